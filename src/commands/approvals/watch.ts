// berth approvals watch: pending requests now, then every new request and decision as it happens, until Ctrl+C.
import type { CommandModule } from 'yargs';
import { ApprovalQueue, commandLine, describeDecision, type ApprovalRequest } from '../../runtime/host-commands/index.js';
import type { Args, GlobalArgs } from '../context.js';

export const approvalsWatchCommand: CommandModule<GlobalArgs, Args<{ bell: boolean }>> = {
  command: 'watch',
  describe: 'Follow the queue: one line per new request, decision, start and exit (-o json: JSON lines), until Ctrl+C',
  builder: (y) => y.option('bell', { type: 'boolean', default: true, describe: 'Ring the terminal bell on each new request (on a terminal)' }) as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const queue = new ApprovalQueue(ctx.rt);
    const bell = argv.bell && Boolean(ctx.io.stdout.isTTY) && !ctx.out.json;
    const seen = new Map<number, string>();
    const stateOf = (r: ApprovalRequest) => `${r.status}|${r.startedAt ?? ''}|${r.endedAt ?? ''}`;
    const print = (event: string, r: ApprovalRequest) => {
      if (ctx.out.json) return ctx.out.jsonLine({ event, request: r });
      const time = new Date().toISOString().slice(11, 19);
      const what =
        event === 'request' ? `pending  agent ${r.agent} in ${r.cwd}: ${commandLine(r)}`
        : event === 'start' ? 'started'
        : event === 'exit' ? (r.exitCode !== null ? `exited with code ${r.exitCode}` : `ended (${r.endReason})`)
        : describeDecision(r);
      ctx.out.line(`${time}  #${r.id}  ${what}`);
      if (event === 'request' && bell) ctx.out.bell();
    };
    // The newest id first, then the pending requests up to it: one filed between the two reads is newer, and the
    // loop below shows it (read the other way round, it was in neither and never shown).
    let afterId = Math.max(0, ...queue.list({ limit: 1 }).map((r) => r.id));
    const open = queue.list({ status: 'pending' }).filter((r) => r.id <= afterId);
    for (const r of open) {
      print('request', r);
      seen.set(r.id, stateOf(r));
    }
    let version = -1;
    while (!ctx.signal.aborted) {
      const v = queue.version();
      if (v !== version) {
        version = v;
        const fresh = queue.list({ afterId });
        for (const r of fresh) {
          afterId = Math.max(afterId, r.id);
          print('request', r);
          if (r.status !== 'pending') print('decision', r);
          seen.set(r.id, stateOf(r));
        }
        for (const [id, state] of seen) {
          const r = queue.get(id);
          const now = stateOf(r);
          if (now === state) continue;
          const [status, started, ended] = state.split('|');
          if (r.status !== status) print('decision', r);
          if (r.startedAt && !started) print('start', r);
          if (r.endedAt && !ended) print('exit', r);
          if (r.endedAt || (r.status !== 'pending' && r.status !== 'approved')) seen.delete(id);
          else seen.set(id, now);
        }
      } else queue.settle();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 250);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  },
};
