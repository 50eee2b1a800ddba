// The runtime context every surface builds once: paths, settings, engine, state store and audit log, each opened lazily.
import { AuditLog } from './audit.js';
import { auditLimitsFromEnv } from './audit-file.js';
import { defaultSettings, openSettings, readSettingsFile, settingsFile, SettingsShapeError, type BerthSettings, type SettingsStore } from './config.js';
import type Docker from 'dockerode';
import { engineConnection, engineOver, getOverSocket, listContainersOverSocket, resolveEndpoint, type BodyReader, type Engine, type EngineConnection, type EngineEndpoint } from './engine.js';
import { Masker } from './mask.js';
import { resolvePaths, type BerthPaths } from './paths.js';
import { openDatabase, type Database } from './store.js';
import { tightenInstall } from './private-files.js';
import { BerthError } from './errors.js';
import { diskFullWhere, isDiskFullAt } from './disk.js';

export interface RuntimeOptions {
  /** --host: overrides DOCKER_HOST, the docker context and config. */
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Who the audit log names for mutations made through this runtime. */
  actor?: string;
}

export class Runtime {
  readonly paths: BerthPaths;
  readonly audit: AuditLog;
  /** Secret masking for every surface; stored secrets are read only when something is masked. */
  readonly mask: Masker;
  readonly env: NodeJS.ProcessEnv;
  private enginePromise?: Promise<Engine>;
  private connectionPromise?: Promise<EngineConnection>;
  private settingsPromise?: Promise<SettingsStore>;
  /** The settings file as read and checked once by setting() (conf, once opened, answers instead). */
  private storedSettings?: Promise<Partial<BerthSettings>>;
  private database?: Database;

  constructor(readonly options: RuntimeOptions = {}) {
    this.env = options.env ?? process.env;
    this.paths = resolvePaths(this.env);
    this.mask = new Masker({ dataDir: this.paths.dataDir, env: this.env });
    this.audit = new AuditLog(this.paths.auditLog, { mask: this.mask, limits: auditLimitsFromEnv(this.env) });
  }

  /** Who asks through berth serve ("token NAME (token:ID)", "user:NAME"); undefined on the command line. */
  get requester(): string | undefined {
    return undefined;
  }

  get actor(): string {
    return this.options.actor ?? this.env.BERTH_AGENT ?? this.env.USER ?? 'user';
  }

  /**
   * The same runtime acting for another caller (berth serve's principal of one request): engine, settings and
   * database are this one's (open them here first); `actor` and the audit log's origin are the caller's, and with
   * `agent` the environment names that agent (BERTH_AGENT).
   */
  actingFor(actor: string, origin?: Record<string, string>, opts: { agent?: string } = {}): Runtime {
    const child = Object.create(this) as Runtime;
    Object.defineProperty(child, 'actor', { value: actor });
    if (origin?.principal) Object.defineProperty(child, 'requester', { value: origin.tokenName ? `token ${origin.tokenName} (${origin.principal})` : origin.principal });
    // An agent's identity (a bearer token's): its limits, workspace, label and approval requests, and every
    // person-only act refused, exactly as for a CLI run with BERTH_AGENT set.
    if (opts.agent !== undefined) Object.defineProperty(child, 'env', { value: { ...this.env, BERTH_AGENT: opts.agent } });
    if (origin) Object.defineProperty(child, 'audit', { value: this.audit.withOrigin(origin) });
    return child;
  }

  /** Data and config private to their user (0700 / 0600), once per runtime, before either is opened. */
  private tightened = false;
  private tighten(): void {
    if (this.tightened) return;
    tightenInstall(this.paths);
    this.tightened = true;
  }

  settings(): Promise<SettingsStore> {
    if (!this.settingsPromise) this.tighten();
    this.settingsPromise ??= openSettings(this.paths).catch((err: unknown) => {
      this.settingsPromise = undefined;
      throw this.settingsError(err);
    });
    return this.settingsPromise;
  }

  /**
   * One setting for a command's hot path, read from the settings file as conf stores it (JSON, defaults for what is
   * not there) and checked against the settings schema, so that commands that only read a setting never load conf
   * (~30-50 ms of start-up). A file that cannot be read, or is not of the schema's shape, is one error naming it.
   */
  async setting<K extends keyof BerthSettings>(key: K): Promise<BerthSettings[K]> {
    if (!this.settingsPromise) {
      this.storedSettings ??= readSettingsFile(settingsFile(this.paths)).catch((err: unknown) => {
        this.storedSettings = undefined;
        throw this.settingsError(err);
      });
      const stored = await this.storedSettings;
      return key in stored ? (stored as BerthSettings)[key] : defaultSettings[key];
    }
    return (await this.settings()).get(key);
  }

  private settingsError(err: unknown): BerthError {
    if (err instanceof SettingsShapeError) return err;
    return new BerthError(`cannot read the settings file ${settingsFile(this.paths)}: ${describeFileError(err, settingsFile(this.paths))}`, 'failure', { cause: err });
  }

  async endpoint(): Promise<EngineEndpoint> {
    // Config is read only when no flag or environment names the engine, to keep start-up light.
    const needsConfig = !this.options.host && !this.env.DOCKER_HOST;
    const configHost = needsConfig ? await this.setting('host') : undefined;
    return resolveEndpoint({ host: this.options.host, configHost, env: this.env });
  }

  engine(): Promise<Engine> {
    this.enginePromise ??= this.connection().then(engineOver);
    return this.enginePromise;
  }

  /** How the engine is reached (endpoint, agent), without loading dockerode. */
  private connection(): Promise<EngineConnection> {
    this.connectionPromise ??= this.endpoint().then((e) => engineConnection(e, this.env));
    return this.connectionPromise;
  }

  /**
   * The engine's containers for a query, as dockerode's listContainers gives them (docker ps): over a local socket
   * without loading dockerode (listings are the commands' and the dashboard's hot path), else through dockerode.
   * Errors as Engine.call makes them.
   */
  async listContainers(what: string, query: { all: boolean; filters: Record<string, string[]>; signal?: AbortSignal }): Promise<Docker.ContainerInfo[]> {
    const direct = listContainersOverSocket(await this.connection(), what, { all: query.all, filters: query.filters }, query.signal, this.env);
    return direct ?? (await this.engine()).call(what, (d) => d.listContainers({ all: query.all, filters: query.filters, abortSignal: query.signal } as object));
  }

  /**
   * A GET whose 200 body is read as it comes (engine.ts getOverSocket), over a local socket without dockerode. False,
   * having asked nothing, when the engine is not on a local socket: the caller goes through dockerode.
   */
  async getOverSocket(what: string, target: string, errors: Record<number, string>, signal: AbortSignal | undefined, onBody: BodyReader): Promise<boolean> {
    const got = getOverSocket(await this.connection(), what, target, errors, signal, this.env, onBody);
    await got;
    return got !== undefined;
  }

  db(): Database {
    if (!this.database) this.tighten();
    try {
      this.database ??= openDatabase(this.paths.database);
    } catch (err) {
      throw new BerthError(`cannot open the database ${this.paths.database}: ${describeFileError(err, this.paths.database)}`, 'failure', { cause: err });
    }
    return this.database;
  }

  /** The room a command acts on: the flag, then BERTH_ROOM, then config. */
  async room(flag?: string): Promise<string> {
    return flag ?? this.env.BERTH_ROOM ?? (await this.setting('defaultRoom'));
  }

  close(): void {
    this.database?.close();
    this.database = undefined;
  }
}

/** A file's error in words (the caller names the file): a full disk says so, and which disk. */
function describeFileError(err: unknown, file: string): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  if (isDiskFullAt(err, file)) return diskFullWhere(file);
  if (e?.code === 'EISDIR') return 'it is a directory';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (err instanceof SyntaxError) return `it is not valid JSON (${err.message}): fix or remove it`;
  if (e?.code === 'SQLITE_NOTADB') return 'it is not a SQLite database: move it away to start a new one';
  return (e?.message ?? String(err)).split('\n')[0]!;
}
