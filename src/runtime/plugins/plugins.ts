// Plugin releases code@version: the manifest (berth-plugin.yaml) and its params JSON Schema (ajv), a content digest,
// the registry rows in SQLite with a snapshot of the files under the data dir, and params validation for runs.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BerthError, ConflictError, NotFoundError, UsageError, type Runtime, parseEnvEntry } from '../core/index.js';
import { RecordService } from '../records/index.js';

export const MANIFEST_FILE = 'berth-plugin.yaml';
const MANIFEST_KEYS = ['code', 'version', 'description', 'params', 'env'];
/** A Docker repository path component, so `berth-plugin/<code>` is a valid image name. */
const CODE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** A Docker tag, so `:<version>` is valid. */
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export type JsonSchema = Record<string, unknown>;

export interface PluginManifest {
  code: string;
  version: string;
  description: string;
  params: JsonSchema;
  env: Record<string, string>;
}

export interface PluginRelease {
  /** `code@version`. */
  release: string;
  code: string;
  version: string;
  description: string;
  /** sha256 over every file's path, kind and contents. */
  digest: string;
  image: string;
  params: JsonSchema;
  /** Env defaults, secret-looking values masked. */
  env: Record<string, string>;
  /** The directory it was added from. */
  source: string;
  createdAt: string;
  updatedAt: string;
}

interface ReleaseRow {
  code: string;
  version: string;
  description: string;
  digest: string;
  params_schema: string;
  env: string;
  source: string;
  created_at: string;
  updated_at: string;
}

/** The label on every image built for a release: `code@version`. */
export const PLUGIN_RELEASE_LABEL = 'berth.plugin';

export function pluginImage(code: string, version: string): string {
  return `berth-plugin/${code}:${version}`;
}

function toRelease(row: ReleaseRow): PluginRelease {
  return {
    release: `${row.code}@${row.version}`,
    code: row.code,
    version: row.version,
    description: row.description,
    digest: row.digest,
    image: pluginImage(row.code, row.version),
    params: JSON.parse(row.params_schema) as JsonSchema,
    env: JSON.parse(row.env) as Record<string, string>,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** `code@version`, or a bare code (resolved to its only version). */
export function parseReleaseRef(ref: string): { code: string; version?: string } {
  const at = ref.indexOf('@');
  const code = at < 0 ? ref : ref.slice(0, at);
  const version = at < 0 ? undefined : ref.slice(at + 1);
  if (!CODE.test(code) || (version !== undefined && !VERSION.test(version))) {
    throw new UsageError(`invalid plugin release "${ref.slice(0, 80)}": use code@version, e.g. ocr@1.0.0`);
  }
  return { code, version };
}

type AjvInstance = import('ajv').default;

let ajvPromise: Promise<AjvInstance> | undefined;

/** One ajv for all schemas (loaded on first use: most commands never need it). Params from --param are strings, so
 * types are coerced by the schema ("3" for an integer); schema defaults are filled in. */
function ajv(): Promise<AjvInstance> {
  ajvPromise ??= (async () => {
    const [{ default: AjvModule }, { default: formatsModule }] = await Promise.all([import('ajv'), import('ajv-formats')]);
    // Both are CommonJS with a default export; depending on the loader the class sits on .default once more.
    const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as typeof import('ajv').default;
    const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as typeof import('ajv-formats').default;
    const instance = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
    addFormats(instance);
    return instance;
  })();
  return ajvPromise;
}

/** Checks a params schema compiles and describes an object; one line naming the problem otherwise. */
export async function checkParamsSchema(schema: unknown, where: string): Promise<JsonSchema> {
  if (schema === undefined || schema === null) return { type: 'object', properties: {}, additionalProperties: false };
  if (typeof schema !== 'object' || Array.isArray(schema)) throw new UsageError(`invalid params in ${where}: give a JSON Schema object`);
  const s = schema as JsonSchema;
  if (s.type !== undefined && s.type !== 'object') throw new UsageError(`invalid params in ${where}: the schema's type must be "object" (params are an object)`);
  try {
    (await ajv()).compile(s);
  } catch (err) {
    throw new UsageError(`invalid params schema in ${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  return s;
}

export class ParamsError extends UsageError {
  constructor(
    readonly release: string,
    readonly problems: string[],
  ) {
    super(`params for ${release} do not match its schema: ${problems.join('; ')}`);
  }
}

/** Validates (and coerces, and fills defaults into) a params object; every violation is one line. */
export async function validateParams(release: string, schema: JsonSchema, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const validate = (await ajv()).compile(schema);
  const data = structuredClone(params);
  if (validate(data)) return data;
  const problems = (validate.errors ?? []).map((e) => {
    const at = e.instancePath.split('/').slice(1).join('.');
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        return `missing param "${at ? `${at}.` : ''}${String(p.missingProperty)}"`;
      case 'additionalProperties':
        return `unknown param "${at ? `${at}.` : ''}${String(p.additionalProperty)}"`;
      case 'enum':
        return `param "${at}" must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      default:
        return at ? `param "${at}" ${e.message}` : `params ${e.message}`;
    }
  });
  throw new ParamsError(release, [...new Set(problems)]);
}

/** Reads and checks berth-plugin.yaml and the Dockerfile beside it; every problem is one UsageError line. */
export async function readManifest(dir: string): Promise<PluginManifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UsageError(`plugin directory "${dir}" does not exist`);
  }
  if (!stat.isDirectory()) throw new UsageError(`"${dir}" is not a directory: give the plugin's directory`);
  if (!fs.existsSync(file)) throw new UsageError(`no ${MANIFEST_FILE} in "${dir}"`);
  if (!fs.existsSync(path.join(dir, 'Dockerfile'))) throw new UsageError(`no Dockerfile in "${dir}"`);
  // yaml is CommonJS in the node build: its functions sit on default once bundled.
  const yaml = (await import('yaml')) as typeof import('yaml') & { default?: typeof import('yaml') };
  const parseDocument = yaml.parseDocument ?? yaml.default!.parseDocument;
  let doc: unknown;
  let versionText: string | undefined;
  try {
    const text = fs.readFileSync(file, 'utf8');
    const parsed = parseDocument(text);
    if (parsed.errors.length) throw parsed.errors[0];
    doc = parsed.toJS();
    // A version is text as written: `version: 1.10` is 1.10, not the number 1.1 (nor 2.0 the number 2).
    const node = doc && typeof doc === 'object' && !Array.isArray(doc) ? (parsed.get('version', true) as { value?: unknown; range?: [number, number, number] } | undefined) : undefined;
    if (node?.range && node.value !== undefined && node.value !== null && typeof node.value !== 'object' && typeof node.value !== 'string') {
      versionText = text.slice(node.range[0], node.range[1]).trim();
    }
  } catch (err) {
    // The parser's first line ends "at line N, column M:" before a snippet of the file: the line ends at the position.
    throw new UsageError(`${MANIFEST_FILE} is not valid YAML: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${MANIFEST_FILE} must be a mapping with code, version, description, params, env`);
  const m = doc as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !MANIFEST_KEYS.includes(k));
  if (unknown.length) throw new UsageError(`unknown key "${unknown[0]}" in ${MANIFEST_FILE}: use ${MANIFEST_KEYS.join(', ')}`);
  const code = String(m.code ?? '');
  if (!m.code || !CODE.test(code) || code.length > 64) {
    throw new UsageError(`invalid code "${code.slice(0, 64)}" in ${MANIFEST_FILE}: use lowercase letters, digits and inner . _ - (it names the image berth-plugin/<code>)`);
  }
  const version = versionText ?? (m.version === undefined ? '' : String(m.version));
  if (!VERSION.test(version)) throw new UsageError(`invalid version "${version.slice(0, 64)}" in ${MANIFEST_FILE}: use letters, digits, . _ - (an image tag, e.g. 1.0.0)`);
  if (m.description !== undefined && typeof m.description !== 'string') throw new UsageError(`invalid description in ${MANIFEST_FILE}: give text`);
  const env: Record<string, string> = {};
  if (m.env !== undefined && m.env !== null) {
    if (typeof m.env !== 'object' || Array.isArray(m.env)) throw new UsageError(`invalid env in ${MANIFEST_FILE}: give a mapping of NAME: value`);
    for (const [k, v] of Object.entries(m.env as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') throw new UsageError(`invalid env "${k}" in ${MANIFEST_FILE}: give a text, number or boolean value`);
      const [key, value] = parseEnvEntry(`${k}=${v ?? ''}`, `env in ${MANIFEST_FILE}`);
      env[key] = value;
    }
  }
  const params = await checkParamsSchema(m.params, MANIFEST_FILE);
  return { code, version, description: (m.description as string | undefined) ?? '', params, env };
}

interface Entry {
  rel: string;
  kind: 'dir' | 'file' | 'link';
  mode: number;
  target?: string;
}

/** Every file of a plugin directory in a stable order (.git left out); symlinks may not point outside it. */
function walk(root: string): Entry[] {
  const out: Entry[] = [];
  const realRoot = fs.realpathSync(root);
  const visit = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      if (!rel && name === '.git') continue;
      const r = rel ? `${rel}/${name}` : name;
      const full = path.join(root, r);
      const st = fs.lstatSync(full);
      if (st.isSymbolicLink()) {
        const target = fs.readlinkSync(full);
        const resolved = path.resolve(path.dirname(full), target);
        const inside = path.relative(realRoot, fs.existsSync(resolved) ? fs.realpathSync(resolved) : resolved);
        if (path.isAbsolute(target) || inside.startsWith('..') || path.isAbsolute(inside)) {
          throw new UsageError(`plugin file "${r}" is a symlink that leaves the plugin directory`);
        }
        out.push({ rel: r, kind: 'link', mode: 0o777, target });
      } else if (st.isDirectory()) {
        out.push({ rel: r, kind: 'dir', mode: st.mode & 0o777 });
        visit(r);
      } else if (st.isFile()) {
        out.push({ rel: r, kind: 'file', mode: st.mode & 0o777 });
      } else {
        throw new UsageError(`plugin file "${r}" is not a regular file, directory or symlink`);
      }
    }
  };
  visit('');
  return out;
}

/** sha256 over each entry's kind, path, executable bit and contents (or link target). */
export function digestDirectory(root: string): string {
  const hash = createHash('sha256');
  for (const e of walk(root)) {
    const content = e.kind === 'file' ? fs.readFileSync(path.join(root, e.rel)) : Buffer.from(e.target ?? '');
    hash.update(`${e.kind} ${e.mode & 0o111 ? 'x' : '-'} ${JSON.stringify(e.rel)} ${content.length}\n`);
    hash.update(content);
  }
  return `sha256:${hash.digest('hex')}`;
}

function copyDirectory(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const e of walk(from)) {
    const dest = path.join(to, e.rel);
    if (e.kind === 'dir') fs.mkdirSync(dest, { recursive: true, mode: e.mode | 0o700 });
    else if (e.kind === 'link') fs.symlinkSync(e.target!, dest);
    else fs.copyFileSync(path.join(from, e.rel), dest), fs.chmodSync(dest, e.mode | 0o600);
  }
}

export class PluginService {
  constructor(private readonly rt: Runtime) {}

  /** Where a release's files are kept once added (the build context of its image). */
  snapshotDir(code: string, version: string): string {
    return path.join(this.rt.paths.dataDir, 'plugins', code, version);
  }

  private row(code: string, version: string): ReleaseRow | undefined {
    return this.rt.db().prepare('SELECT * FROM plugin_releases WHERE code = ? AND version = ?').get(code, version) as ReleaseRow | undefined;
  }

  /**
   * Registers the directory as release code@version: the same contents again is a no-op, different contents are
   * refused unless force, and force is refused while a record runs the release.
   */
  async add(dir: string, opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<PluginRelease & { changed: 'added' | 'replaced' | 'unchanged' }> {
    const source = path.resolve(dir);
    const manifest = await readManifest(source);
    const digest = digestDirectory(source);
    const release = `${manifest.code}@${manifest.version}`;
    const existing = this.row(manifest.code, manifest.version);
    if (existing?.digest === digest) return { ...toRelease(existing), changed: 'unchanged' };
    if (existing && !opts.force) {
      throw new ConflictError(`plugin release ${release} is already added with different contents (${existing.digest.slice(7, 19)}, now ${digest.slice(7, 19)}): give it a new version, or --force to replace it`);
    }
    if (existing) {
      const live = await new RecordService(this.rt).liveForRelease(release, opts.signal);
      if (live.length) throw new ConflictError(`plugin release ${release} is running (record ${live.join(', ')}): stop those first, then --force`);
    }
    return this.rt.audit.record(
      { actor: this.rt.actor, action: existing ? 'plugin.replace' : 'plugin.add', target: release, details: { source, digest } },
      async () => {
        const final = this.snapshotDir(manifest.code, manifest.version);
        const staging = path.join(this.rt.paths.dataDir, 'plugins', `.staging-${randomBytes(4).toString('hex')}`);
        copyDirectory(source, staging);
        const now = new Date().toISOString();
        const db = this.rt.db();
        try {
          // Check and write in one immediate transaction: two adds of one release at once cannot both win.
          const changed = db.transaction(() => {
            const current = this.row(manifest.code, manifest.version);
            if (current?.digest === digest) return 'unchanged' as const;
            if (current && current.digest !== existing?.digest) throw new ConflictError(`plugin release ${release} was changed meanwhile: try again`);
            db.prepare(
              `INSERT INTO plugin_releases (code, version, description, digest, params_schema, env, source, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (code, version) DO UPDATE SET description = excluded.description, digest = excluded.digest,
                 params_schema = excluded.params_schema, env = excluded.env, source = excluded.source, updated_at = excluded.updated_at`,
            ).run(manifest.code, manifest.version, manifest.description, digest, JSON.stringify(manifest.params), JSON.stringify(this.rt.mask.deep(manifest.env)), source, now, now);
            const old = `${final}.old-${randomBytes(4).toString('hex')}`;
            if (fs.existsSync(final)) fs.renameSync(final, old);
            fs.mkdirSync(path.dirname(final), { recursive: true });
            fs.renameSync(staging, final);
            fs.rmSync(old, { recursive: true, force: true });
            return current ? ('replaced' as const) : ('added' as const);
          }).immediate();
          return { ...toRelease(this.row(manifest.code, manifest.version)!), changed };
        } finally {
          fs.rmSync(staging, { recursive: true, force: true });
        }
      },
    );
  }

  list(): PluginRelease[] {
    const rows = this.rt.db().prepare('SELECT * FROM plugin_releases ORDER BY code, created_at DESC, version').all() as ReleaseRow[];
    return rows.map(toRelease);
  }

  /** A release by `code@version`, or by a bare code when it has exactly one version. */
  get(ref: string): PluginRelease {
    const { code, version } = parseReleaseRef(ref);
    if (version !== undefined) {
      const row = this.row(code, version);
      if (!row) throw new NotFoundError(`plugin release ${code}@${version} not found${this.versionsHint(code)}`);
      return toRelease(row);
    }
    const rows = this.rt.db().prepare('SELECT * FROM plugin_releases WHERE code = ? ORDER BY created_at').all(code) as ReleaseRow[];
    if (rows.length === 1) return toRelease(rows[0]!);
    if (!rows.length) throw new NotFoundError(`plugin "${code}" not found (berth plugin add PATH registers one)`);
    throw new UsageError(`plugin "${code}" has ${rows.length} versions (${rows.map((r) => r.version).join(', ')}): give code@version`);
  }

  private versionsHint(code: string): string {
    const versions = (this.rt.db().prepare('SELECT version FROM plugin_releases WHERE code = ?').all(code) as { version: string }[]).map((r) => r.version);
    return versions.length ? ` (added versions: ${versions.join(', ')})` : '';
  }

  /** The manifest as added (with its real env defaults, which SQLite holds only masked). */
  async manifest(release: PluginRelease): Promise<PluginManifest> {
    return readManifest(this.snapshotDir(release.code, release.version));
  }

  /** Removes the release, its files and its images (kept when stopped containers still use them); refused while running. */
  async remove(ref: string, opts: { signal?: AbortSignal } = {}): Promise<PluginRelease & { imageRemoved: boolean; imageKept?: { image: string; usedBy: string[] } }> {
    const r = this.get(ref);
    const live = await new RecordService(this.rt).liveForRelease(r.release, opts.signal);
    if (live.length) throw new ConflictError(`plugin release ${r.release} is running (record ${live.join(', ')}): stop those first`);
    return this.rt.audit.record({ actor: this.rt.actor, action: 'plugin.remove', target: r.release, details: { digest: r.digest } }, async () => {
      // The images first: an engine that is down fails the remove before anything is gone. Every image built for the
      // release goes: the tagged one, and earlier builds whose tag a rebuild (after --force) took, left dangling.
      // Images that carry the label only because they were built FROM the plugin's image have tags of their own.
      let imageRemoved = false;
      let imageKept: { image: string; usedBy: string[] } | undefined;
      const engine = await this.rt.engine();
      const built = (await engine.call('list images', (d) => d.listImages({ filters: { label: [`${PLUGIN_RELEASE_LABEL}=${r.release}`] } }))) as {
        Id: string;
        RepoTags?: string[] | null;
      }[];
      const tags = (i: { RepoTags?: string[] | null }) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      const targets = [r.image, ...built.filter((i) => tags(i).length === 0).map((i) => i.Id)];
      for (const target of targets) {
        try {
          await engine.call(`remove image ${target}`, (d) => d.getImage(target).remove());
          if (target === r.image) imageRemoved = true;
        } catch (err) {
          // Not built yet (404), or still used by stopped containers of its records (409): leave it.
          if (!(err instanceof NotFoundError) && !(err instanceof ConflictError) && !(err instanceof BerthError && err.kind === 'usage')) throw err;
          // The tagged image kept: the caller says so, and which containers hold it.
          if (target === r.image && !(err instanceof NotFoundError)) {
            const users = (await engine.call('list containers', (d) => d.listContainers({ all: true, filters: { ancestor: [r.image] } })).catch(() => [])) as { Names?: string[] }[];
            imageKept = { image: r.image, usedBy: users.map((u) => (u.Names?.[0] ?? '').replace(/^\//, '')).filter(Boolean) };
          }
        }
      }
      this.rt.db().prepare('DELETE FROM plugin_releases WHERE code = ? AND version = ?').run(r.code, r.version);
      fs.rmSync(this.snapshotDir(r.code, r.version), { recursive: true, force: true });
      return { ...r, imageRemoved, ...(imageKept ? { imageKept } : {}) };
    });
  }
}
