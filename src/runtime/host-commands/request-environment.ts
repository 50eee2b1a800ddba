// What a request runs: the resolved program, the real cwd, and the fixed base environment plus visible additions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MASK, maskSecrets, NotFoundError, UsageError } from '../core/index.js';

/** The PATH every approved command runs with (unless the request itself adds a PATH, which the person then sees). */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';


/**
 * Pagers off and no prompts: an approved command runs under a pty, so git, man and systemctl would start a pager
 * that waits for keys (and `less` runs `!cmd` typed at it). Part of every request's shown environment.
 */
export const NO_PAGER_ENV: Readonly<Record<string, string>> = {
  GIT_PAGER: 'cat',
  PAGER: 'cat',
  MANPAGER: 'cat',
  SYSTEMD_PAGER: 'cat',
  LESSSECURE: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** The environment an approved command starts from: nothing from the caller's environment except a checked TERM and LANG. */
export function baseEnvironment(callerEnv: NodeJS.ProcessEnv): Record<string, string> {
  const user = os.userInfo();
  const word = (v: string | undefined, fallback: string) => (v && /^[A-Za-z0-9_.@+-]{1,64}$/.test(v) ? v : fallback);
  return {
    PATH: SAFE_PATH,
    HOME: user.homedir,
    USER: user.username,
    LOGNAME: user.username,
    SHELL: user.shell || '/bin/sh',
    LANG: word(callerEnv.LANG, 'C.UTF-8'),
    TERM: word(callerEnv.TERM, 'xterm-256color'),
    ...NO_PAGER_ENV,
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks env additions: valid names, no NUL, nothing that looks like a secret (it would be stored and shown). */
export function validateEnvAdditions(env: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_NAME.test(key)) throw new UsageError(`invalid --env "${key}": a variable name is letters, digits and _`);
    if (value.includes('\0')) throw new UsageError(`invalid --env ${key}: the value contains a NUL byte`);
    if (maskSecrets(value, key) === MASK) {
      throw new UsageError(`--env ${key} looks like a secret: approval requests are stored and shown to a person, so secrets cannot be passed this way`);
    }
  }
  return env;
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The absolute program path: relative to cwd when it contains a slash, else looked up in the command's PATH. */
export function resolveProgram(name: string, cwd: string, pathVar: string): string {
  if (!name) throw new UsageError('give a command after --, e.g. berth shell --agent a -- git status');
  if (name.includes('/')) {
    const file = path.resolve(cwd, name);
    if (!isExecutableFile(file)) throw new NotFoundError(`command not found: ${name} (no executable file at ${file})`);
    return file;
  }
  for (const dir of pathVar.split(':')) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would depend on the cwd
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  throw new NotFoundError(`command not found: ${name} (looked in PATH=${pathVar})`);
}


/** The shell a script request runs in: bash when there is one, else sh. */
export function shellProgram(pathVar: string): string {
  for (const candidate of ['/bin/bash', '/usr/bin/bash']) if (isExecutableFile(candidate)) return candidate;
  try {
    return resolveProgram('bash', '/', pathVar);
  } catch {
    return '/bin/sh';
  }
}

export function resolveCwd(dir: string | undefined): string {
  const wanted = path.resolve(dir ?? process.cwd());
  let real: string;
  try {
    real = fs.realpathSync(wanted);
  } catch {
    throw new NotFoundError(`--cwd ${wanted}: no such directory`);
  }
  if (!fs.statSync(real).isDirectory()) throw new UsageError(`--cwd ${wanted}: not a directory`);
  return real;
}
