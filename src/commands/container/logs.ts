// berth container logs CONTAINER [--follow] [--tail N] [--since T] [--timestamps]
import type { CommandModule } from 'yargs';
import type { LogLine } from '../../runtime/containers/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Sink } from '../output.js';

interface LogsArgs {
  container: string;
  follow: boolean;
  tail?: string;
  since?: string;
  timestamps: boolean;
}

/** Writes one batch; waits for 'drain' when the sink says so, so a slow reader slows the engine, not our memory. */
async function writeAll(sink: Sink, text: string): Promise<void> {
  if (!text) return;
  const ok = sink.write(text) as unknown;
  const stream = sink as Partial<NodeJS.WritableStream>;
  if (ok === false && typeof stream.once === 'function') {
    await new Promise<void>((resolve) => {
      const done = () => {
        stream.off?.('drain', done);
        stream.off?.('close', done);
        resolve();
      };
      stream.once!('drain', done);
      stream.once!('close', done);
    });
  }
}

function join(lines: LogLine[], stream: LogLine['stream'], timestamps: boolean): string {
  let text = '';
  for (const line of lines) {
    if (line.stream !== stream) continue;
    text += timestamps && line.time ? `${line.time} ${line.text}\n` : `${line.text}\n`;
  }
  return text;
}

export const containerLogsCommand: CommandModule<GlobalArgs, Args<LogsArgs>> = {
  command: 'logs <container>',
  describe: "Print a container's logs: stdout to stdout, stderr to stderr",
  builder: (y) =>
    y
      .positional('container', { type: 'string', demandOption: true, describe: 'Name, id or unique id prefix' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing until the container exits' })
      .option('tail', { type: 'string', describe: 'Only the last N lines ("all" for everything)' })
      .option('since', { type: 'string', describe: 'Only lines since a duration (10m), RFC 3339 time or unix timestamp' })
      .option('timestamps', { alias: 't', type: 'boolean', default: false, describe: 'Prefix each line with its time' }) as never,
  handler: async ({ ctx, room, container, follow, tail, since, timestamps }) => {
    const [{ containerLogBatches, parseTail }, { whileEngineAnswers }] = await Promise.all([import('../../runtime/containers/index.js'), import('../../runtime/engine/index.js')]);
    const roomName = await ctx.rt.room(room);
    const print = async (signal: AbortSignal) => {
      const batches = containerLogBatches(ctx.rt, roomName, container, { follow, tail: parseTail(tail), since, timestamps, signal });
      for await (const batch of batches) {
        // One write per stream per engine chunk: no per-line writes, no whole-log buffering.
        await writeAll(ctx.io.stdout, join(batch, 'stdout', timestamps));
        await writeAll(ctx.io.stderr, join(batch, 'stderr', timestamps));
      }
    };
    // A follow waits on the engine for as long as it runs: a hung engine must end it, not leave it waiting.
    await (follow ? whileEngineAnswers(ctx.rt, ctx.signal, print) : print(ctx.signal));
  },
};
