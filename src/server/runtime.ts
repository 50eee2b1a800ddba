// The one place the server imports the library from: every route calls these, the same functions the CLI calls.
export { ApiUserVerifier } from '../runtime/access/index.js';
export { archiveLimits, downloadArchive, downloadFile, uploadAndRun, uploadToContainer } from '../runtime/files/index.js';
export { runBounded } from '../runtime/containers/index.js';
export { ContainerService, type ContainerDetail, type ContainerStatus, type ContainerSummary } from '../runtime/containers/index.js';
export type { RunOptions } from '../runtime/containers/index.js';
export type { UpdateOptions } from '../runtime/containers/index.js';
export { BerthError, CancelledError, ConflictError, NotFoundError, UsageError } from '../runtime/core/index.js';
export { execCommand, type OutputStream } from '../runtime/containers/index.js';
export { checkHealth } from '../runtime/engine/index.js';
export { Runtime } from '../runtime/core/index.js';
export { ContainerTerminalSession } from '../runtime/terminal/index.js';
export { readEnvFile, type PortSpec } from '../runtime/core/index.js';
export { ParamsError, PLUGIN_RELEASE_LABEL, PluginService, runPlugin } from '../runtime/plugins/index.js';
export { type ContainerRecord, parseRecordId, RecordService } from '../runtime/records/index.js';
export { credentialKey, deleteImage, inspectImage, listImages, parseImageRef, pullImage, tagImage, type ImageSummary, type RegistryAuth } from '../runtime/images/index.js';
export { containerLogBatches, containerStats, runJob, watchContainerStats, type LogLine } from '../runtime/containers/index.js';
export type { StatsSample } from '../runtime/engine/index.js';
export { StorageService, type StorageEntry } from '../runtime/files/index.js';
