// berth container batch: create, delete or exec over many containers with bounded concurrency.
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from '../context.js';
import { batchCreateCommand } from './batch-create.js';
import { batchDeleteCommand } from './batch-delete.js';
import { batchExecCommand } from './batch-exec.js';

export const containerBatchCommand: CommandModule<GlobalArgs, Args> = {
  command: 'batch',
  describe: 'Create, delete or exec in many containers at once; every item reported, non-zero exit if any failed',
  builder: (y) =>
    y
      .command(batchCreateCommand)
      .command(batchDeleteCommand)
      .command(batchExecCommand)
      .demandCommand(1, 'name a batch command: create, delete or exec') as never,
  handler: () => {},
};
