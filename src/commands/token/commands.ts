// berth token create / list / revoke.
import type { CommandModule } from 'yargs';
import { ALL_ROOMS, createToken, listTokens, revokeToken, type ApiToken } from '../../runtime/access/index.js';
import { formatAge } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function expiresText(t: ApiToken, now = Date.now()): string {
  if (!t.expiresAt) return 'never';
  return Date.parse(t.expiresAt) <= now ? `expired ${t.expiresAt}` : t.expiresAt;
}

interface CreateArgs {
  agent: string;
  grant?: string | string[];
  expires?: string;
  name?: string;
  allRooms: boolean;
}

export const tokenCreateCommand: CommandModule<GlobalArgs, Args<CreateArgs>> = {
  command: 'create',
  describe: 'Create a token for an agent (a person\'s act); it is printed once, never again (with -q, only the token)',
  builder: (y) =>
    y
      .option('agent', { type: 'string', demandOption: true, describe: 'The agent the token acts as: its limits, workspace, label and audit entries' })
      .option('grant', { alias: 'g', type: 'string', describe: 'FAMILY:read, FAMILY:write (includes read), FAMILY (both) or approvals:request; repeatable; default containers:read' })
      .option('expires', { type: 'string', describe: 'Lifetime, like 12h, 30d or 2w (default: does not expire)' })
      .option('name', { type: 'string', describe: 'A name for the token (default: AGENT-xxxx)' })
      .option('all-rooms', { type: 'boolean', default: false, describe: 'Every room (instead of --room, which may repeat; without either, the command\'s room)' })
      .example('berth token create --agent builder --room team-a --grant containers --grant exec:write --expires 30d', '') as never,
  handler: async (argv) => {
    const { ctx } = argv;
    const named = list(argv.room as string | string[] | undefined);
    const rooms = argv.allRooms ? [ALL_ROOMS, ...named] : named.length ? named : [await ctx.rt.room()];
    const { token, secret } = await createToken(
      ctx.rt,
      { agent: argv.agent, rooms, grants: list(argv.grant), expires: argv.expires, name: argv.name },
      { stdinIsTTY: Boolean(ctx.io.stdin?.isTTY) },
    );
    if (ctx.out.json) return ctx.out.jsonLine({ ...token, token: secret }, 2);
    if (ctx.out.options.quiet) return ctx.out.line(secret);
    ctx.out.note(
      `created token ${token.id} (${token.name}) for agent ${token.agent}: rooms ${token.rooms.join(', ')}; grants ${token.grants.join(', ')}; expires ${expiresText(token)}`,
    );
    ctx.out.line(secret);
    ctx.out.note('store it now: it is not shown again (send it as Authorization: Bearer TOKEN)');
  },
};

export const tokenListCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List the tokens: name, agent, rooms, grants, created, expires, last used (never the token)',
  handler: async ({ ctx }) => {
    const now = Date.now();
    ctx.out.list(
      listTokens(ctx.rt),
      [
        { header: 'ID', value: (t) => t.id },
        { header: 'NAME', value: (t) => t.name },
        { header: 'AGENT', value: (t) => t.agent },
        { header: 'ROOMS', value: (t) => t.rooms.join(',') },
        { header: 'GRANTS', value: (t) => t.grants.join(',') },
        { header: 'CREATED', value: (t) => formatAge(t.createdAt, now) },
        { header: 'EXPIRES', value: (t) => expiresText(t, now) },
        { header: 'LAST USED', value: (t) => (t.lastUsedAt ? formatAge(t.lastUsedAt, now) : 'never') },
        { header: 'BY', value: (t) => t.createdBy, wide: true },
      ],
      { id: (t) => t.id },
    );
  },
};

export const tokenRevokeCommand: CommandModule<GlobalArgs, Args<{ id: string }>> = {
  command: ['revoke <id>', 'rm <id>'],
  describe: 'Revoke a token by ID (or by name when one token has it): refused from the next request, its open sessions closed',
  builder: (y) => y.positional('id', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, id }) => {
    const token = await revokeToken(ctx.rt, id, { stdinIsTTY: Boolean(ctx.io.stdin?.isTTY) });
    ctx.out.done(`revoked token ${token.id} (${token.name}, agent ${token.agent})`, token, token.id);
  },
};
