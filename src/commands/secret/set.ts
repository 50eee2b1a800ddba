// berth secret set NAME: the value comes from stdin (piped) or a prompt that does not echo, never from a flag.
import type { CommandModule } from 'yargs';
import { CancelledError, UsageError } from '../../runtime/core/index.js';
import { SecretStore, validateSecretName } from '../../runtime/secrets/index.js';
import type { Args, CliContext, GlobalArgs } from '../context.js';

/** Reads the whole of a piped stdin; one trailing newline (from echo or a heredoc) is not part of the value. */
export async function readPiped(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  let value = Buffer.concat(chunks);
  if (value.at(-1) === 0x0a) value = value.subarray(0, value.at(-2) === 0x0d ? -2 : -1);
  return value;
}

/** A prompt on the terminal with echo off: Enter ends it, Ctrl+C cancels, Backspace deletes. */
export function readHidden(ctx: CliContext, prompt: string): Promise<Buffer> {
  const stdin = ctx.io.stdin as NodeJS.ReadStream;
  ctx.io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      ctx.io.stderr.write('\n');
      if (err) reject(err);
      else resolve(Buffer.from(value, 'utf8'));
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CancelledError());
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

export const secretSetCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: 'set <name>',
  describe: 'Create or replace a secret; the value is read from stdin, or prompted for (not echoed) on a terminal',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true, describe: 'Secret name (the SECRET_ID of --env-secret)' }) as never,
  handler: async ({ ctx, name }) => {
    validateSecretName(name);
    const stdin = ctx.io.stdin;
    if (!stdin) throw new UsageError('no value: pipe the secret on stdin (printf %s "$VALUE" | berth secret set NAME)');
    const value = stdin.isTTY ? await readHidden(ctx, `value for ${name}: `) : await readPiped(stdin);
    const info = await new SecretStore(ctx.rt).set(name, value);
    value.fill(0);
    ctx.out.done(`${info.replaced ? 'replaced' : 'created'} secret ${name}`, { name: info.name, created: info.created, updated: info.updated, replaced: info.replaced }, name);
  },
};
