// The containers: room containers (list, create, update, lifecycle, inspect), logs, stats, exec, temporary jobs and batches.
export {
  type BatchItem,
  type BatchOptions,
  batchCreate,
  batchDelete,
  batchExec,
  batchFailure,
  readBatchFile,
  runBounded,
} from './batch.js';
export {
  type CreateCallbacks,
  type PullProgress,
  type RunOptions,
  auditDetails,
  createFromSpec,
  defaultPortHost,
  ensureImage,
  ensureRoomOnce,
  portBindings,
  toRunSpec,
} from './container-create.js';
export { type ContainerDetail, type ContainerStatus, ContainerService } from './containers.js';
export {
  Demuxer,
  EXEC_MARKER,
  type ExecResult,
  type ExecSignal,
  type OutputStream,
  envList,
  execCommand,
  newExecToken,
  resolveRunning,
  signalExec,
  waitExecExit,
} from './exec.js';
export { inspectContainer } from './inspect.js';
export { followUntilExit, runJob } from './jobs.js';
export {
  type LogLimitOptions,
  logConfig,
  parseLogMaxFiles,
  parseLogMaxSize,
  resolveLogLimits,
  swarmLogDriver,
} from './log-limits.js';
export {
  LogDecoder,
  type LogLine,
  containerLogBatches,
  containerLogs,
  parseSince,
  parseTail,
  unixNanoString,
} from './logs.js';
export { containerStats, watchContainerStats } from './stats.js';
export { type ContainerSummary, UnsavedChangesError, auditTarget, isLive } from './summary.js';
export type { UpdateOptions } from './container-update.js';
