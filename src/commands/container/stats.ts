// berth container stats [CONTAINER...] [--follow]: CPU %, memory, network and block I/O, pids.
import type { CommandModule } from 'yargs';
import { formatBytes, formatPercent } from '../../runtime/core/index.js';
import { type StatsSample } from '../../runtime/engine/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { renderTable, type Column } from '../output.js';

export const statsColumns: Column<StatsSample>[] = [
  { header: 'NAME', value: (s) => s.name, flex: true },
  { header: 'CPU %', value: (s) => formatPercent(s.cpuPercent) },
  { header: 'MEM USAGE / LIMIT', value: (s) => `${formatBytes(s.memoryUsed)} / ${formatBytes(s.memoryLimit)}` },
  { header: 'MEM %', value: (s) => formatPercent(s.memoryLimit ? (s.memoryUsed / s.memoryLimit) * 100 : undefined) },
  { header: 'NET I/O', value: (s) => `${formatBytes(s.netRx)} / ${formatBytes(s.netTx)}` },
  { header: 'BLOCK I/O', value: (s) => `${formatBytes(s.blockRead)} / ${formatBytes(s.blockWrite)}` },
  { header: 'PIDS', value: (s) => String(s.pids) },
  { header: 'ID', value: (s) => s.id.slice(0, 12), wide: true },
];

interface StatsArgs {
  containers: string[];
  follow: boolean;
}

const CLEAR_SCREEN = '\x1b[2J\x1b[H';

export const containerStatsCommand: CommandModule<GlobalArgs, Args<StatsArgs>> = {
  command: 'stats [containers..]',
  describe: "Resource use of containers (default: the room's running ones), once or --follow",
  builder: (y) =>
    y
      .positional('containers', { type: 'string', array: true, default: [], describe: 'Names, ids or unique id prefixes' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep sampling (about once a second) until Ctrl+C' }) as never,
  handler: async ({ ctx, room, containers, follow, output }) => {
    const [{ containerStats, watchContainerStats }, { whileEngineAnswers }] = await Promise.all([import('../../runtime/containers/index.js'), import('../../runtime/engine/index.js')]);
    const roomName = await ctx.rt.room(room);
    if (!follow) {
      const samples = await containerStats(ctx.rt, roomName, containers, { signal: ctx.signal });
      ctx.out.list(samples, statsColumns, { id: (s) => s.id });
      return;
    }
    // Following: json prints one sample per line as it arrives; a table is redrawn at most once a second.
    const latest = new Map<string, StatsSample>();
    const tty = Boolean(ctx.io.stdout.isTTY);
    let dirty = false;
    const draw = () => {
      if (!dirty) return;
      dirty = false;
      const table = renderTable([...latest.values()], statsColumns, output === 'wide', ctx.io.stdout.columns);
      ctx.io.stdout.write(tty ? CLEAR_SCREEN + table : `${table}\n`);
    };
    const timer = output === 'json' ? undefined : setInterval(draw, 1000);
    try {
      // A hung engine ends the follow (exit 5) instead of leaving the last table up forever.
      await whileEngineAnswers(ctx.rt, ctx.signal, async (signal) => {
        for await (const sample of watchContainerStats(ctx.rt, roomName, containers, { signal })) {
          if (output === 'json') {
            ctx.io.stdout.write(`${JSON.stringify(sample)}\n`);
            continue;
          }
          latest.set(sample.id, sample);
          dirty = true;
        }
      });
      draw();
    } finally {
      clearInterval(timer);
    }
  },
};
