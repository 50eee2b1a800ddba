// berth service: the service command group (list, inspect, logs, rollback, remove).
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { serviceInspectCommand } from './service/inspect.js';
import { serviceListCommand } from './service/list.js';
import { serviceLogsCommand } from './service/logs.js';
import { serviceRemoveCommand } from './service/remove.js';
import { serviceRollbackCommand } from './service/rollback.js';

export const serviceCommand: CommandModule<GlobalArgs, Args> = {
  command: ['service', 'svc'],
  describe: 'Services deployed with berth deploy: list, inspect, logs, rollback, remove',
  builder: (y) =>
    y
      .command(serviceListCommand)
      .command(serviceInspectCommand)
      .command(serviceLogsCommand)
      .command(serviceRollbackCommand)
      .command(serviceRemoveCommand)
      .demandCommand(1, 'name a service command: list, inspect, logs, rollback or remove') as never,
  handler: () => {},
};
