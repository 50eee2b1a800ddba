// berth audit: the audit log (actions.jsonl and its rotations), filtered, optionally followed live.
import type { CommandModule } from 'yargs';
import type { AuditEntry } from '../runtime/core/index.js';
import { auditFilter, followAudit, queryAudit } from '../runtime/audit/index.js';
import type { Args, GlobalArgs } from './context.js';
import type { Column } from './output.js';

interface AuditArgs {
  agent?: string;
  action?: string;
  since?: string;
  tail?: string;
  follow: boolean;
}

export const auditColumns: Column<AuditEntry>[] = [
  { header: 'TIME', value: (e) => e.time },
  { header: 'ACTOR', value: (e) => e.actor },
  { header: 'ACTION', value: (e) => e.action },
  { header: 'TARGET', value: (e) => e.target },
  { header: 'RESULT', value: (e) => (e.result === 'ok' ? 'ok' : `error: ${e.error ?? ''}`) },
  { header: 'DETAILS', value: (e) => (e.details ? JSON.stringify(e.details) : ''), wide: true },
];

function line(e: AuditEntry, wide: boolean): string {
  return [e.time, e.actor, e.action, e.target, e.result === 'ok' ? 'ok' : `error: ${e.error ?? ''}`, ...(wide && e.details ? [JSON.stringify(e.details)] : [])].join('  ');
}

export const auditCommand: CommandModule<GlobalArgs, Args<AuditArgs>> = {
  command: 'audit',
  describe: 'Show the audit log: who did what to which target, with the result (secrets masked); --follow for new entries',
  builder: (y) =>
    y
      .option('agent', { type: 'string', describe: 'Only entries by this agent' })
      .option('action', { type: 'string', describe: 'container.run, a group (container) or a prefix (container.s*)' })
      .option('since', { type: 'string', describe: 'Only since a duration (10m), RFC 3339 time or unix timestamp' })
      .option('tail', { type: 'string', describe: 'Only the last N matching entries' })
      .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing new entries (one JSON line each with -o json)' }) as never,
  handler: async ({ ctx, room, agent, action, since, tail, follow }) => {
    const q = { room, agent, action, since, tail };
    auditFilter(q); // bad input fails before anything is printed
    if (!follow) {
      // A damaged line is named on stderr (one line each), never skipped in silence.
      ctx.out.list(queryAudit(ctx.rt, q, { onDamaged: (d) => ctx.out.note(`berth: ${d.message}`) }), auditColumns, { id: (e) => `${e.time} ${e.action} ${e.target}` });
      return;
    }
    const wide = ctx.out.options.format === 'wide';
    // History and live entries from one follower: an entry written while the history is printed is neither lost nor repeated.
    for await (const e of followAudit(ctx.rt, q, { signal: ctx.signal, history: true })) {
      if (ctx.out.json) ctx.out.jsonLine(e);
      else ctx.out.line(line(e, wide));
    }
  },
};
