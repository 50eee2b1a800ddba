// What every command handler receives: the runtime, the output module and the streams it may write to.
import type { Argv } from 'yargs';
import type { Runtime } from '../runtime/core/index.js';
import type { Output, Sink } from './output.js';

export interface CliIo {
  stdout: Sink & { isTTY?: boolean; columns?: number };
  stderr: Sink & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export interface CliContext {
  rt: Runtime;
  out: Output;
  io: CliIo;
  /** Aborted on Ctrl+C / SIGTERM so long work stops and cleans up. */
  signal: AbortSignal;
  /** For a command whose normal end is that signal (a foreground server): the process then exits 0. */
  signalEnd?: () => void;
}

export interface GlobalArgs {
  ctx: CliContext;
  host?: string;
  output: 'table' | 'wide' | 'json';
  quiet: boolean;
  room?: string;
  debug: boolean;
}

export type Args<T = object> = GlobalArgs & T;

/** Lets a group file register its children and demand one of them. */
export type Group = (y: Argv<GlobalArgs>) => Argv<GlobalArgs>;
