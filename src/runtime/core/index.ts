// The core: the runtime context and what it opens (paths, settings, the state store, the engine connection, the audit log, secret masking), typed errors, validation, labels, locks, host file safety and pure formatting.
export { auditFiles, followLineBatches, followLines, type NumberedLine, readLines, readNumberedLines, splitEntries } from './audit-file.js';
export { type AuditEntry, AuditLog } from './audit.js';
export { diskFullMessage, isDiskFull, mountOf } from './disk.js';
export { DEFAULT_PORT_HOST, type AgentLimits, type SettingsStore, type TrustRule } from './config.js';
export { Engine, isConnectionError, resolveEndpoint } from './engine.js';
export {
  BerthError,
  CancelledError,
  CommandExitError,
  ConflictError,
  EngineUnreachableError,
  ExitCode,
  NotFoundError,
  RegistryUnreachableError,
  UsageError,
  exitCodeOf,
} from './errors.js';
export {
  type PortMapping,
  compareText,
  cutVisible,
  formatAge,
  formatBytes,
  formatDelay,
  formatDuration,
  formatPercent,
  formatPorts,
  plural,
  shortId,
  terminalText,
  truncate,
  visibleLength,
} from './format.js';
export {
  LABEL,
  type ObjectKind,
  dockerContainerName,
  roomLabelFilter,
  roomNetworkName,
  filesVolumeName,
  storageVolumeName,
} from './labels.js';
export { tryLockFile } from './lock-file.js';
export { type Holder, HEARTBEAT_MS, HOLDER_TTL_MS, currentHolder, describeHolder, holderAlive, holderState, processStart, holderTag, tagHolderGone } from './holder.js';
export { type HeldLock, type LockRow, acquireLock, tryLock, withLock, withSettingsLock } from './locks.js';
export {
  MASK,
  Masker,
  isSecretName,
  maskDeep,
  maskEnvEntry,
  maskLabels,
  maskSecrets,
  maskText,
  readKnownSecrets,
} from './mask.js';
export { resolvePaths } from './paths.js';
export { type PersonCheck, assertPerson } from './person.js';
export { Runtime } from './runtime.js';
export { ChangedUnderError, type CopyCount, Dir, copyBytes, copyEntry, copyOpenFile, storageAnchor, stagingName, isStaleStaging, removeStaleStaging } from './safe-fs.js';
export { sleep } from './sleep.js';
export { type Database, migrate, migrations, openDatabase } from './store.js';
export {
  type PortSpec,
  parseCpus,
  parseDuration,
  parseEnvEntry,
  parseEnvList,
  parseMemory,
  parsePids,
  parsePort,
  parseWholeNumber,
  readEnvFile,
  resolveInside,
  validateContainerName,
  validateEnvKey,
  validateIdentity,
  validateMountPath,
  validateRoomName,
  validateSeconds,
  validateSignal,
  validateTag,
} from './validate.js';
export { berthVersion } from './version.js';
