// berth container: the container command group (lifecycle, listing, inspection, update, batch).
import type { CommandModule } from 'yargs';
import type { Args, GlobalArgs } from './context.js';
import { containerBatchCommand } from './container/batch.js';
import { containerDeleteCommand } from './container/delete.js';
import { containerDownloadCommand } from './container/download.js';
import { containerExecCommand } from './container/exec.js';
import { containerGetCommand } from './container/get.js';
import { containerKillCommand } from './container/kill.js';
import { containerListCommand } from './container/list.js';
import { containerLogsCommand } from './container/logs.js';
import { containerPauseCommand } from './container/pause.js';
import { containerRestartCommand } from './container/restart.js';
import { containerRunCommand } from './container/run.js';
import { containerStartCommand } from './container/start.js';
import { containerStatsCommand } from './container/stats.js';
import { containerStatusCommand } from './container/status.js';
import { containerStopCommand } from './container/stop.js';
import { containerUnpauseCommand } from './container/unpause.js';
import { containerUpdateCommand } from './container/update.js';
import { containerUploadAndRunCommand } from './container/upload-and-run.js';
import { containerUploadCommand } from './container/upload.js';
import { containerWaitCommand } from './container/wait.js';

export const containerCommand: CommandModule<GlobalArgs, Args> = {
  command: ['container', 'c'],
  describe: 'Containers in a room: run, list, inspect, update, lifecycle, logs, exec, stats, upload/download, batch',
  builder: (y) =>
    y
      .command(containerRunCommand)
      .command(containerListCommand)
      .command(containerGetCommand)
      .command(containerStatusCommand)
      .command(containerStartCommand)
      .command(containerStopCommand)
      .command(containerRestartCommand)
      .command(containerPauseCommand)
      .command(containerUnpauseCommand)
      .command(containerKillCommand)
      .command(containerDeleteCommand)
      .command(containerWaitCommand)
      .command(containerUpdateCommand)
      .command(containerBatchCommand)
      .command(containerLogsCommand)
      .command(containerExecCommand)
      .command(containerStatsCommand)
      .command(containerUploadCommand)
      .command(containerDownloadCommand)
      .command(containerUploadAndRunCommand)
      .demandCommand(1, 'name a container command: berth container --help lists them') as never,
  handler: () => {},
};
