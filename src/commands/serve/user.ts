// berth serve user add|list|remove: the people who may call berth serve (HTTP Basic). Adding and removing are a
// person's acts; the password comes from stdin or a prompt that does not echo, never from a flag.
import type { CommandModule } from 'yargs';
import { addApiUser, listApiUsers, removeApiUser } from '../../runtime/access/index.js';
import { UsageError } from '../../runtime/core/index.js';
import type { Args, GlobalArgs } from '../context.js';
import { readHidden, readPiped } from '../secret/set.js';

/** A person at a terminal: typing at the prompt, or piping the password in while watching stderr. */
function personCheck(io: { stdin?: { isTTY?: boolean }; stderr: { isTTY?: boolean } }) {
  return { stdinIsTTY: Boolean(io.stdin?.isTTY || io.stderr.isTTY) };
}

const addCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: 'add <name>',
  describe: 'Add an API user; the password is read from stdin, or prompted for twice (not echoed) on a terminal',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true, describe: 'User name for HTTP Basic' }) as never,
  handler: async ({ ctx, name }) => {
    const stdin = ctx.io.stdin;
    if (!stdin) throw new UsageError('no password: pipe it on stdin (berth serve user add NAME < file)');
    let password: Buffer;
    if (stdin.isTTY) {
      password = await readHidden(ctx, `password for ${name}: `);
      const again = await readHidden(ctx, 'again: ');
      const same = password.equals(again);
      again.fill(0);
      if (!same) throw new UsageError('the passwords differ: nothing was changed');
    } else password = await readPiped(stdin);
    try {
      const user = await addApiUser(ctx.rt, name, password, personCheck(ctx.io));
      ctx.out.done(`added API user ${user.name}`, user, user.name);
    } finally {
      password.fill(0);
    }
  },
};

const listCommand: CommandModule<GlobalArgs, Args> = {
  command: ['list', 'ls'],
  describe: 'List the API users (names only; passwords are stored as hashes)',
  handler: async ({ ctx }) => {
    ctx.out.list(
      listApiUsers(ctx.rt),
      [
        { header: 'NAME', value: (u) => u.name },
        { header: 'CREATED', value: (u) => u.createdAt },
        { header: 'BY', value: (u) => u.createdBy },
      ],
      { id: (u) => u.name },
    );
  },
};

const removeCommand: CommandModule<GlobalArgs, Args<{ name: string }>> = {
  command: ['remove <name>', 'rm <name>'],
  describe: 'Remove an API user (a running server refuses it from the next request)',
  builder: (y) => y.positional('name', { type: 'string', demandOption: true }) as never,
  handler: async ({ ctx, name }) => {
    const user = await removeApiUser(ctx.rt, name, personCheck(ctx.io));
    ctx.out.done(`removed API user ${user.name}`, user, user.name);
  },
};

export const serveUserCommand: CommandModule<GlobalArgs, Args> = {
  command: 'user',
  describe: 'API users: add, list, remove',
  builder: (y) => y.command(addCommand).command(listCommand).command(removeCommand).demandCommand(1, 'name a user command: add, list or remove') as never,
  handler: () => {},
};
