// Running a plugin release in a room: params validated against its schema before anything is touched, the image
// berth-plugin/<code>:<version> built when missing (or built from other contents; one build at a time per release,
// across processes), params delivered as JSON (a file in the container and BERTH_PARAMS), and a container record
// created with the container.
import fs from 'node:fs';
import type Docker from 'dockerode';
import { auditDetails, createFromSpec, toRunSpec, type CreateCallbacks, ContainerService, type ContainerSummary, type LogLimitOptions } from '../containers/index.js';
import { buildImage, type BuildEvent } from '../images/index.js';
import { NotFoundError, UsageError, withLock, type Runtime, parseEnvList, validateTag } from '../core/index.js';
import { PLUGIN_RELEASE_LABEL, PluginService, validateParams, type PluginRelease } from './plugins.js';
import { recordWhileCreating } from '../records/index.js';

/** Where the params file is in the container (also in BERTH_PARAMS_FILE). */
export const PARAMS_DIR = '/berth';
export const PARAMS_FILE = `${PARAMS_DIR}/params.json`;
const DIGEST_LABEL = 'berth.plugin.digest';

export interface PluginRunOptions extends LogLimitOptions {
  /** KEY=VALUE strings: values are text, coerced by the schema ("3" for an integer). */
  params?: string[];
  /** A JSON file with a params object; --param values win over it. */
  paramsFile?: string;
  /** KEY=VALUE over the manifest's env defaults. */
  env?: string[];
  metadata?: string[];
  labels?: string[];
  name?: string;
  cpus?: string;
  memory?: string;
  agent?: string;
}

export interface PluginRunResult {
  record: number;
  release: string;
  params: Record<string, unknown>;
  /** Whether the image was built for this run. */
  built: boolean;
  container: ContainerSummary;
}

export interface PluginRunCallbacks extends CreateCallbacks {
  /** Build progress and output, only when the image is built; `wait` once while another run builds it. */
  onBuild?: (event: BuildEvent | { type: 'start' | 'wait'; image: string }) => void;
}

function readParamsFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --params-file "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--params-file "${file}" is not JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`--params-file "${file}" must hold a JSON object`);
  return value as Record<string, unknown>;
}

function parsePairs(entries: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid ${flag} "${entry.slice(0, 40)}": use KEY=VALUE`);
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** The params object a run gets: file, then --param, validated (coerced, defaults filled) by the release's schema. */
export async function resolveParams(release: PluginRelease, opts: Pick<PluginRunOptions, 'params' | 'paramsFile'>): Promise<Record<string, unknown>> {
  const params = { ...(opts.paramsFile ? readParamsFile(opts.paramsFile) : {}), ...parsePairs(opts.params ?? [], '--param') };
  return validateParams(release.release, release.params, params);
}

/** A one-file tar (ustar) holding dir/name, for putArchive into a created container. */
export function tarOneFile(dir: string, name: string, content: Buffer): Buffer {
  const header = (entry: string, size: number, type: '0' | '5', mode: number) => {
    const h = Buffer.alloc(512);
    h.write(entry, 0, 100, 'utf8');
    h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
    h.write('        ', 148, 'ascii');
    h.write(type, 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    return h;
  };
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header(`${dir}/`, 0, '5', 0o755), header(`${dir}/${name}`, content.length, '0', 0o644), content, pad, Buffer.alloc(1024)]);
}

/** True when the release's image is there and was built from the release's current contents (digest label). */
async function hasPluginImage(rt: Runtime, release: PluginRelease): Promise<boolean> {
  const engine = await rt.engine();
  try {
    const info = await engine.call(`inspect image ${release.image}`, (d) => d.getImage(release.image).inspect());
    return info.Config?.Labels?.[DIGEST_LABEL] === release.digest;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    return false;
  }
}

/**
 * Builds the release's image unless one built from the same contents (digest label) is there. Parallel first runs
 * (from other berth processes too) would each build it and leave all but one image dangling: one build at a time
 * per release, and whoever waited looks again before building.
 */
/** The key of a release's build lock (core locks.ts). */
export function buildLockKey(release: string): string {
  return `plugin-build:${release}`;
}

async function ensurePluginImage(rt: Runtime, room: string, release: PluginRelease, cb: PluginRunCallbacks): Promise<boolean> {
  if (await hasPluginImage(rt, release)) return false;
  const plugins = new PluginService(rt);
  const onWait = () => cb.onBuild?.({ type: 'wait', image: release.image });
  return withLock(rt.db(), buildLockKey(release.release), { signal: cb.signal, onWait }, async () => {
    if (await hasPluginImage(rt, release)) return false;
    cb.onBuild?.({ type: 'start', image: release.image });
    await buildImage(rt, {
      room,
      context: plugins.snapshotDir(release.code, release.version),
      tag: release.image,
      labels: { [PLUGIN_RELEASE_LABEL]: release.release, [DIGEST_LABEL]: release.digest },
      signal: cb.signal,
      onEvent: cb.onBuild,
    });
    return true;
  });
}

/**
 * Runs a release in the room. Everything the user gave is checked first (params against the schema, env, labels,
 * metadata, name, resources), so bad input creates nothing; then the image, then the container with its record.
 */
export async function runPlugin(rt: Runtime, room: string, ref: string, opts: PluginRunOptions = {}, cb: PluginRunCallbacks = {}): Promise<PluginRunResult> {
  const plugins = new PluginService(rt);
  const release = plugins.get(ref);
  const params = await resolveParams(release, opts);
  const manifest = await plugins.manifest(release);
  const userEnv = parseEnvList(opts.env ?? []);
  const metadata = parsePairs(opts.metadata ?? [], '--metadata');
  const labels = [...new Set((opts.labels ?? []).map((l) => validateTag(l, '--label')))];
  const paramsJson = JSON.stringify(params);
  const env = { ...manifest.env, ...userEnv };
  const spec = await toRunSpec(rt, room, {
    image: release.image,
    // Without a name: <code>-<random>, from the image name.
    name: opts.name,
    env: { ...env, BERTH_PARAMS: paramsJson, BERTH_PARAMS_FILE: PARAMS_FILE, BERTH_PLUGIN: release.release },
    tags: labels,
    cpus: opts.cpus,
    memory: opts.memory,
    agent: opts.agent,
    logMaxSize: opts.logMaxSize,
    logMaxFiles: opts.logMaxFiles,
  });
  return rt.audit.record(
    { actor: rt.actor, action: 'plugin.run', target: `${room}/${spec.name}`, details: { release: release.release, params, metadata, ...auditDetails(spec) } },
    async () => {
      const built = await ensurePluginImage(rt, room, release, cb);
      const tracking = recordWhileCreating(rt, spec, { release: release.release, params, metadata, labels, env });
      try {
        const created = await createFromSpec(rt, spec, {
          ...cb,
          beforeStart: async (c: Docker.Container) => {
            await c.putArchive(tarOneFile(PARAMS_DIR.slice(1), 'params.json', Buffer.from(`${paramsJson}\n`)), { path: '/' });
            await tracking.beforeStart(c);
          },
        });
        const record = (await tracking.started())!;
        return { record, release: release.release, params, built, container: await new ContainerService(rt).summary(room, created.id) };
      } catch (err) {
        tracking.undo();
        throw err;
      }
    },
  );
}
