// berth agent list: each agent's running containers, CPU and memory in use, and its limits.
import type { CommandModule } from 'yargs';
import { listAgents, type AgentSummary } from '../../runtime/agents/index.js';
import { formatBytes, formatPercent } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import type { Column } from '../output.js';

const columns: Column<AgentSummary>[] = [
  { header: 'AGENT', value: (a) => a.agent },
  { header: 'RUNNING', value: (a) => (a.limits.maxRunning !== undefined ? `${a.running}/${a.limits.maxRunning}` : String(a.running)) },
  { header: 'CPU', value: (a) => formatPercent(a.cpuPercent) },
  { header: 'CPU QUOTA', value: (a) => (a.limits.cpus ? `${round(a.cpusReserved)}/${a.limits.cpus}` : '-') },
  { header: 'MEMORY', value: (a) => formatBytes(a.memoryUsed) },
  { header: 'MEMORY CAP', value: (a) => a.limits.memory ?? '-' },
  { header: 'ON LIMIT', value: (a) => (a.limits.maxRunning !== undefined || a.limits.cpus ? (a.limits.onLimit ?? 'reject') : '-') },
  { header: 'QUEUED', value: (a) => String(a.queued) },
  { header: 'CONTAINERS', value: (a) => a.containers.join(',') || '-', flex: true, wide: true },
];

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export const agentListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List agents (with limits or running containers): containers running, CPU and memory in use, limits (-r: only that room\'s containers)',
  handler: async ({ ctx, room }) => {
    const agents = await listAgents(ctx.rt, { signal: ctx.signal, room });
    ctx.out.list(agents, columns, { id: (a) => a.agent });
  },
};
