// berth container: the container command group (lifecycle, listing, inspection, update, batch).
import type { VerbGroup } from './command-registry.js';

// Each command loads on use: a command line loads only its own (src/commands/main.ts).
export const containerCommand: VerbGroup = {
  command: ['container', 'c'],
  describe: 'Containers in a room: run, list, inspect, update, lifecycle, logs, exec, stats, upload/download, batch',
  verbs: {
    run: async () => (await import('./container/run.js')).containerRunCommand,
    list: async () => (await import('./container/list.js')).containerListCommand,
    get: async () => (await import('./container/get.js')).containerGetCommand,
    status: async () => (await import('./container/status.js')).containerStatusCommand,
    start: async () => (await import('./container/start.js')).containerStartCommand,
    stop: async () => (await import('./container/stop.js')).containerStopCommand,
    restart: async () => (await import('./container/restart.js')).containerRestartCommand,
    pause: async () => (await import('./container/pause.js')).containerPauseCommand,
    unpause: async () => (await import('./container/unpause.js')).containerUnpauseCommand,
    kill: async () => (await import('./container/kill.js')).containerKillCommand,
    delete: async () => (await import('./container/delete.js')).containerDeleteCommand,
    wait: async () => (await import('./container/wait.js')).containerWaitCommand,
    update: async () => (await import('./container/update.js')).containerUpdateCommand,
    batch: async () => (await import('./container/batch.js')).containerBatchCommand,
    logs: async () => (await import('./container/logs.js')).containerLogsCommand,
    exec: async () => (await import('./container/exec.js')).containerExecCommand,
    stats: async () => (await import('./container/stats.js')).containerStatsCommand,
    upload: async () => (await import('./container/upload.js')).containerUploadCommand,
    download: async () => (await import('./container/download.js')).containerDownloadCommand,
    'upload-and-run': async () => (await import('./container/upload-and-run.js')).containerUploadAndRunCommand,
  },
  demand: 'name a container command: berth container --help lists them',
};
