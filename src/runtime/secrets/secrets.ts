// The secrets store: one file per secret, <dataDir>/secrets/<NAME>, mode 0600 in a 0700 dir. Values never leave this
// module except to be injected into a container at create time; names and dates come from the files themselves.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { NotFoundError, UsageError, removeStaleStaging, stagingName, Dir, type Runtime } from '../core/index.js';

/**
 * A value is written to `.berth-secret-<holder tag>-<random>` in the store, then renamed over the secret. A set that
 * fails removes it; one killed before the rename leaves it, and the next set, list or delete removes it once the
 * process its name carries is gone. (O_TMPFILE with linkat would leave nothing at all, but Node cannot link an
 * unnamed file into place.)
 */
const TEMP_LEAD = '.berth-secret-';

export interface SecretInfo {
  name: string;
  created: string;
  updated: string;
}

/** Secret names are file names and env-secret ids: no slashes, no leading dot. */
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function validateSecretName(name: string, flag = 'secret name'): string {
  if (!SECRET_NAME.test(name)) {
    throw new UsageError(`invalid ${flag} "${String(name).slice(0, 40)}": use 1-128 letters, digits, "_", "." and "-", starting with a letter or digit`);
  }
  return name;
}

/** At most 1 MiB: a secret is a value, not a file store. */
const MAX_SECRET_BYTES = 1024 * 1024;

export function secretsDir(rt: Runtime): string {
  return path.join(rt.paths.dataDir, 'secrets');
}

export class SecretStore {
  constructor(private readonly rt: Runtime) {}

  get dir(): string {
    return secretsDir(this.rt);
  }

  private file(name: string): string {
    return path.join(this.dir, validateSecretName(name));
  }

  private ensureDir(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode is filtered by the umask, and an existing dir keeps whatever it had.
    fs.chmodSync(this.dir, 0o700);
  }

  /** Removes the temp files of sets that were killed before their rename (their process gone). */
  private sweep(): void {
    let dir: Dir;
    try {
      dir = Dir.open(this.dir, { noFollow: 'the secrets store never follows symlinks', within: `the secrets store ${this.dir}` });
    } catch {
      return; // no store yet
    }
    try {
      removeStaleStaging(dir, TEMP_LEAD);
    } finally {
      dir.close();
    }
  }

  /** Creates or replaces a secret; written to a 0600 temp file then renamed, so readers never see half a value. */
  async set(name: string, value: string | Buffer): Promise<SecretInfo & { replaced: boolean }> {
    const file = this.file(name);
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
    if (bytes.length === 0) throw new UsageError(`secret "${name}" is empty: give a value on stdin`);
    if (bytes.length > MAX_SECRET_BYTES) throw new UsageError(`secret "${name}" is larger than 1 MiB`);
    const replaced = fs.existsSync(file);
    return this.rt.audit.record({ actor: this.rt.actor, action: replaced ? 'secret.update' : 'secret.create', target: name }, async () => {
      this.ensureDir();
      this.sweep();
      const tmp = path.join(this.dir, stagingName(TEMP_LEAD));
      let created: Date | undefined;
      try {
        const fd = fs.openSync(tmp, 'wx', 0o600);
        try {
          fs.writeSync(fd, bytes);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        created = replaced ? fs.statSync(file).birthtime : undefined;
        fs.renameSync(tmp, file);
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      const info = this.info(name);
      return { ...info, ...(created ? { created: created.toISOString() } : {}), replaced };
    });
  }

  has(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  /** The value, for injection at container create time only. */
  read(name: string): string {
    try {
      return fs.readFileSync(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`secret "${name}" not found: set it with berth secret set ${name}`);
      throw err;
    }
  }

  info(name: string): SecretInfo {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.file(name));
    } catch {
      throw new NotFoundError(`secret "${name}" not found`);
    }
    const born = st.birthtimeMs > 0 ? st.birthtime : st.mtime;
    return { name, created: born.toISOString(), updated: st.mtime.toISOString() };
  }

  list(): SecretInfo[] {
    this.sweep();
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => SECRET_NAME.test(n))
      .sort()
      .map((n) => this.info(n));
  }

  async delete(name: string): Promise<{ name: string }> {
    const file = this.file(name);
    this.sweep();
    if (!fs.existsSync(file)) throw new NotFoundError(`secret "${name}" not found`);
    return this.rt.audit.record({ actor: this.rt.actor, action: 'secret.delete', target: name }, async () => {
      fs.rmSync(file, { force: true });
      return { name };
    });
  }

  /**
   * The room token for an identity: created on first use as a secret of its own (room-token.ROOM.AGENT), so it is
   * listed, masked and revoked (berth secret delete) like any other secret.
   */
  async roomToken(room: string, identity: string): Promise<{ secret: string; value: string }> {
    const secret = validateSecretName(`room-token.${room}.${identity}`);
    if (!this.has(secret)) await this.set(secret, `berth_${randomBytes(24).toString('base64url')}`);
    return { secret, value: this.read(secret) };
  }
}

/** Replaces every occurrence of the given secret values in text with ***; for log lines berth shows. */
export function redactValues(text: string, values: Iterable<string>): string {
  let out = text;
  for (const v of values) if (v && v.length >= 4) out = out.split(v).join('***');
  return out;
}
