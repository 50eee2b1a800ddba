// Where an auto-approved command runs: never in berth's own dirs (room storage and agent workspaces, which agents
// write), and a git command's repository may not choose code for git to run (its own config is checked, and git's
// code-running settings are forced off in the command's environment). Fails closed: anything unclear → a person.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { baseEnvironment, resolveProgram } from './request-environment.js';
import type { Runtime } from '../core/index.js';
import { type TrustDecision, type TrustInput, type TrustScope, evaluateCommand, loadTrustRules } from './trust.js';

/**
 * Git settings forced for an auto-approved git command (command scope wins over every config file): no
 * fsmonitor hook, no pager, no hooks (`.git/hooks` are files, not config), no ext:: transport, and submodules left
 * alone (git status would run in each, under the submodule's own config, which is not checked).
 */
export const GIT_CONFIG_OVERRIDES: readonly (readonly [string, string])[] = [
  ['core.fsmonitor', 'false'],
  ['core.pager', 'cat'],
  ['core.hooksPath', '/dev/null'],
  ['protocol.ext.allow', 'never'],
  ['diff.ignoreSubmodules', 'all'],
];

/** The environment additions that force GIT_CONFIG_OVERRIDES, with the system config (/etc/gitconfig) off. */
export function gitOverrideEnv(): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_COUNT: String(GIT_CONFIG_OVERRIDES.length) };
  GIT_CONFIG_OVERRIDES.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Repository-level config keys that only describe the repository (format, remotes, branches, identity, display):
 * none names a program or a file git runs. Any other key set by the repository (its .git/config, config.worktree
 * or a file either includes) sends the request to a person: filter and diff drivers, textconv, core.pager,
 * core.fsmonitor, core.sshCommand, credential helpers, gpg programs, aliases, remote upload-pack, man viewers, ...
 */
const SAFE_REPO_KEYS: readonly RegExp[] = [
  /^core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks|autocrlf|eol|safecrlf|sparsecheckout|sparsecheckoutcone|untrackedcache|quotepath|abbrev|whitespace|checkstat|trustctime|splitindex|compression|loosecompression|bigfilethreshold|multipackindex|commitgraph|preloadindex|protecthfs|protectntfs|longpaths|warnambiguousrefs)$/,
  /^extensions\.[a-z0-9]+$/,
  /^remote\.[^\n]+\.(url|pushurl|fetch|push|tagopt|prune|prunetags|mirror|skipdefaultupdate|skipfetchall|promisor|partialclonefilter)$/,
  /^branch\.[^\n]+\.(remote|pushremote|merge|rebase|description)$/,
  /^submodule\.[^\n]+\.(url|active|branch|ignore|shallow|fetchrecursesubmodules)$/,
  /^user\.(name|email|signingkey)$/,
  /^(commit|tag)\.gpgsign$/,
  /^tag\.sort$/,
  /^pull\.(rebase|ff)$/,
  /^push\.(default|autosetupremote|followtags)$/,
  /^fetch\.(prune|prunetags|writecommitgraph|parallel)$/,
  /^merge\.(ff|conflictstyle|log|renamelimit)$/,
  /^rebase\.(autosquash|autostash|updaterefs|abbreviatecommands)$/,
  /^init\.defaultbranch$/,
  /^gc\.(auto|autopacklimit|autodetach|reflogexpire|reflogexpireunreachable|pruneexpire)$/,
  /^index\.(version|threads|skiphash|sparse)$/,
  /^feature\.(manyfiles|experimental)$/,
  /^status\.(showuntrackedfiles|relativepaths|short|branch|aheadbehind|renames|renamelimit|showstash)$/,
  /^log\.(date|decorate|abbrevcommit|follow)$/,
  /^diff\.(renames|algorithm|colormoved|mnemonicprefix|noprefix|relative|context|interhunkcontext|indentheuristic|statgraphwidth|renamelimit)$/,
  /^color\.[a-z]+(\.[a-z]+)?$/,
  /^i18n\.(commitencoding|logoutputencoding)$/,
  /^rerere\.(enabled|autoupdate)$/,
  /^advice\.[a-z]+$/,
  /^lfs\.repositoryformatversion$/,
  // Includes are read (--includes): what an included file sets is listed, and judged, as the repository's own.
  /^include\.path$/,
  /^includeif\.[^\n]+\.path$/,
];

/** A key as git prints it: section and name lowercased, a subsection kept as written. */
function safeRepoKey(key: string): boolean {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  const normal = first === last ? key.toLowerCase() : `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
  return SAFE_REPO_KEYS.some((re) => re.test(normal));
}

/** Config scopes the repository did not choose: the person's own files, and berth's overrides. Any other scope
 * (local, worktree, or one berth does not know) is the repository's. */
const PERSON_SCOPES = new Set(['global', 'system', 'command']);

function inside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** berth's data and config dirs, as given and as real paths (a symlinked home must not hide them). */
function berthDirs(rt: Runtime): string[] {
  const dirs = [rt.paths.dataDir, rt.paths.configDir].map((d) => path.resolve(d));
  for (const d of [...dirs]) {
    try {
      dirs.push(fs.realpathSync(d));
    } catch {
      // not created yet: nothing of berth's is inside it
    }
  }
  return [...new Set(dirs)];
}

function berthDirHolding(rt: Runtime, dir: string): string | undefined {
  let real = dir;
  try {
    real = fs.realpathSync(dir);
  } catch {
    // judged as given
  }
  return berthDirs(rt).find((root) => inside(dir, root) || inside(real, root));
}

/** The directory a git command works in (after every -C, each relative to the one before) and whether --bare. */
function gitWhere(argv: readonly string[], cwd: string): { dir: string; bare: boolean } {
  let dir = cwd;
  let bare = false;
  for (let i = 1; i < argv.length && argv[i]!.startsWith('-'); i++) {
    if (argv[i] === '-C' && argv[i + 1] !== undefined) dir = path.resolve(dir, argv[++i]!);
    else if (argv[i] === '--bare') bare = true;
  }
  return { dir, bare };
}

/** Shell builtins that change the directory later commands of a script run in. */
const CHANGES_DIR = new Set(['cd', 'pushd', 'popd']);

export type PlaceVerdict = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

/**
 * Whether an auto-approved request may run where it would, and the environment it then runs with. `commands` are
 * the simple commands the allow verdict judged (argv, literal words); `env` is the request's full environment.
 */
export function checkPlace(rt: Runtime, commands: readonly (readonly string[])[], cwd: string, env: Record<string, string>): PlaceVerdict {
  const ours = berthDirHolding(rt, cwd);
  if (ours) {
    return { ok: false, reason: `working directory: ${cwd} is inside berth's data (${ours}: room storage and agent workspaces, which agents write), so what runs there is a person's decision` };
  }
  const gits = commands.filter((c) => c[0] === 'git');
  if (!gits.length) return { ok: true, env };
  const mover = commands.find((c) => CHANGES_DIR.has(c[0] ?? ''));
  if (mover) return { ok: false, reason: `working directory: the script runs \`${mover[0]}\`, so berth cannot tell which repository's config git would read` };
  const withOverrides = { ...env, ...gitOverrideEnv() };
  let git: string;
  try {
    git = resolveProgram('git', cwd, withOverrides.PATH ?? '');
  } catch {
    return { ok: true, env: withOverrides }; // no git to run: the command fails as it would anyway
  }
  const seen = new Set<string>();
  for (const argv of gits) {
    const where = gitWhere(argv, cwd);
    const key = `${where.bare}:${where.dir}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const theirs = berthDirHolding(rt, where.dir);
    if (theirs) return { ok: false, reason: `working directory: git -C ${where.dir} is inside berth's data (${theirs}: room storage and agent workspaces, which agents write), so what runs there is a person's decision` };
    const bad = repositoryConfigDanger(git, where.dir, where.bare, withOverrides);
    if (bad) return { ok: false, reason: bad };
  }
  return { ok: true, env: withOverrides };
}

/** The first thing the repository at `dir` sets that berth does not know to be inert, as a reason; undefined if none. */
function repositoryConfigDanger(git: string, dir: string, bare: boolean, env: Record<string, string>): string | undefined {
  if (!fs.existsSync(dir)) return `repository config: ${dir} does not exist, so berth cannot read the config git would use there`;
  // `git config --list` reads config only: no index, no hooks, no pager (stdout is a pipe), no filters.
  const run = spawnSync(git, [...(bare ? ['--bare'] : []), 'config', '--list', '--show-scope', '--includes', '-z'], {
    cwd: dir,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error || run.status !== 0) {
    const why = run.error?.message ?? (run.stderr.trim().split('\n')[0] || `exit ${run.status}`);
    return `repository config: berth could not read the git config at ${dir} (${why})`;
  }
  // -z: "scope NUL key LF value NUL" per entry ("scope NUL key NUL" for a key without a value).
  const parts = run.stdout.split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const scope = parts[i]!;
    const key = parts[i + 1]!.split('\n')[0]!;
    if (PERSON_SCOPES.has(scope)) continue;
    if (!safeRepoKey(key)) return `repository config: the repository at ${dir} sets ${key} (${scope} config), which berth does not know to be safe (it can make git run a program)`;
  }
  return undefined;
}

/**
 * What `berth trust check` reports: the rules' decision for the command, and for an allow, whether it may run in
 * `cwd` (the directory berth shell would default to) with the base environment.
 */
export async function decideHere(
  rt: Runtime,
  input: TrustInput,
  scope: TrustScope,
  cwd: string,
): Promise<TrustDecision> {
  const result = await evaluateCommand(input, await loadTrustRules(rt), scope);
  if (result.decision !== 'allow') return result;
  const where = checkPlace(rt, result.commands ?? [], cwd, baseEnvironment(rt.env));
  return where.ok ? result : { decision: 'ask', reason: where.reason };
}
