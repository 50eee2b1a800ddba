// berth records list [--status S] [--room R] [--plugin P] [--label L] [--agent A] [--limit N --page P | --cursor C] [--all]
import type { CommandModule } from 'yargs';
import { RecordService } from '../../runtime/records/index.js';
import { parseWholeNumber } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect } from '../container/shared.js';
import { recordColumns } from './shared.js';

interface ListArgs {
  status?: string | string[];
  plugin?: string;
  label?: string | string[];
  agent?: string;
  limit?: string;
  page?: string;
  cursor?: string;
  all: boolean;
}

export const recordsListCommand: CommandModule<GlobalArgs, Args<ListArgs>> = {
  command: ['list', 'ls'],
  describe: 'List records newest first, every room unless --room; one page (--limit, default 50) with the total',
  builder: (y) =>
    y
      .option('status', { type: 'string', describe: 'Only these statuses (repeatable or comma-separated)' })
      .option('plugin', { type: 'string', describe: 'Only runs of this plugin (code or code@version)' })
      .option('label', { type: 'string', describe: 'Only records with every one of these labels (repeatable)' })
      .option('agent', { type: 'string', describe: 'Only records of containers this agent started' })
      .option('limit', { type: 'string', describe: 'Records per page (default 50)' })
      .option('page', { type: 'string', describe: 'Page number, 1 first (records added meanwhile shift pages; --cursor does not)' })
      .option('cursor', { type: 'string', describe: 'Continue after a previous page (its next_cursor)' })
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Fetch every page' }) as never,
  handler: async ({ ctx, room, status, plugin, label, agent, limit, page, cursor, all }) => {
    const records = new RecordService(ctx.rt);
    const query = {
      status: collect(status).flatMap((s) => s.split(',')).filter(Boolean),
      // The global --room is a filter here: records span rooms, so without it every room is listed.
      room,
      plugin,
      labels: collect(label),
      agent,
      limit: limit !== undefined ? parseWholeNumber('--limit', limit, 1) : undefined,
    };
    const result = all
      ? await records.listAll(query, ctx.signal)
      : await records.list({ ...query, page: page !== undefined ? parseWholeNumber('--page', page, 1) : undefined, cursor }, ctx.signal);
    ctx.out.list(result.items, recordColumns, {
      id: (r) => String(r.id),
      extra: { total: result.total, limit: result.limit, page: result.page, next_cursor: result.nextCursor },
    });
    if (!ctx.out.json && !ctx.out.options.quiet) {
      ctx.out.note(`${result.items.length} of ${result.total} record${result.total === 1 ? '' : 's'}${result.nextCursor ? `; more: --cursor ${result.nextCursor}` : ''}`);
    }
  },
};
