// berth __complete -- WORDS...: the candidates for the last word, one a line (what the completion scripts call).
// Names come from the engine within a short timeout; any failure prints nothing, never an error into the prompt.
import type { CommandModule } from 'yargs';
import { ContainerService } from '../runtime/containers/index.js';
import { RoomService } from '../runtime/rooms/index.js';
import { completionWant, toNode } from './completion-tree.js';
import type { Args, GlobalArgs } from './context.js';
import { loadRegisteredGroups } from './command-registry.js';

const DEFAULT_TIMEOUT_MS = 1500;

export const completeCommand: CommandModule<GlobalArgs, Args<{ words?: string[] }>> = {
  command: '__complete [words..]',
  describe: false,
  builder: (y) => y.strict(false).parserConfiguration({ 'unknown-options-as-args': true }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    try {
      const words = [...(argv.words ?? []), ...((argv['--'] as string[] | undefined) ?? []), ...argv._.slice(1)].map(String);
      const commands = await loadRegisteredGroups();
      const want = completionWant(commands.map((c) => toNode(c)), words.length ? words : ['']);
      const current = words[words.length - 1] ?? '';
      let candidates: string[];
      if (want.kind === 'words') candidates = want.words;
      else {
        const timeout = Number(ctx.rt.env.BERTH_COMPLETION_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
        const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeout)]);
        const names =
          want.kind === 'rooms'
            ? new RoomService(ctx.rt).list(signal).then((rooms) => rooms.map((r) => r.name))
            : ctx.rt.room(want.room ?? argv.room).then((room) => new ContainerService(ctx.rt).list(room, { all: true, signal })).then((cs) => cs.map((c) => c.name));
        // The abort stops the engine call; the race also bounds the connection itself (an ssh that hangs).
        candidates = await Promise.race([names, new Promise<string[]>((resolve) => signal.addEventListener('abort', () => resolve([]), { once: true }))]);
      }
      const out = [...new Set(candidates.filter((c) => c.startsWith(current)))];
      if (out.length) ctx.io.stdout.write(`${out.join('\n')}\n`);
    } catch {
      // Completion never fails loudly: no candidates is the answer.
    }
  },
};
