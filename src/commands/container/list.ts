// berth container list [--all] [--status S] [--tag T] [--agent A] [--limit N --cursor C] [--no-trunc]
import type { CommandModule } from 'yargs';
import { ContainerService } from '../../runtime/containers/index.js';
import { parseWholeNumber, shortId } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { collect, containerColumns } from './shared.js';

interface ListArgs {
  all: boolean;
  /** Repeatable: yargs gives a string once, an array when repeated (not `array: true`, which would swallow the next positional). */
  status?: string | string[];
  tag?: string | string[];
  agent?: string;
  limit?: string;
  cursor?: string;
  trunc: boolean;
}

export const containerListCommand: CommandModule<GlobalArgs, Args<ListArgs>> = {
  command: ['list', 'ls'],
  describe: 'List the room\'s containers (running unless --all or --status)',
  builder: (y) =>
    y
      .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'Include stopped containers' })
      .option('status', { type: 'string', describe: 'Only these states (created, running, paused, exited, ...)' })
      .option('tag', { type: 'string', describe: 'Only containers with every one of these tags' })
      .option('agent', { type: 'string', describe: 'Only containers started by this agent' })
      .option('limit', { type: 'string', describe: 'At most this many per page' })
      .option('cursor', { type: 'string', describe: 'Continue after a previous page (its next_cursor)' })
      .option('trunc', { type: 'boolean', default: true, describe: 'Ids of 12 characters with -q, as docker prints them; --no-trunc for whole ids' }) as never,
  handler: async ({ ctx, room, all, status, tag, agent, limit, cursor, trunc }) => {
    const page = await new ContainerService(ctx.rt).query(await ctx.rt.room(room), {
      all,
      status: collect(status).flatMap((s) => s.split(',')).filter(Boolean),
      tags: collect(tag),
      agent,
      limit: limit !== undefined ? parseWholeNumber('--limit', limit, 1) : undefined,
      cursor,
      signal: ctx.signal,
    });
    ctx.out.list(page.items, containerColumns, { id: (c) => (trunc ? shortId(c.id) : c.id), extra: { next_cursor: page.nextCursor } });
    if (page.nextCursor && !ctx.out.json && !ctx.out.options.quiet) ctx.out.note(`more: --cursor ${page.nextCursor}`);
  },
};
