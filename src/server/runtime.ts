// The one place the server imports the library from: every route calls these, the same functions the CLI calls.
export { ApiUserVerifier } from '../runtime/api-users.js';
export { archiveLimits, downloadArchive, downloadFile, uploadAndRun, uploadToContainer } from '../runtime/files.js';
export { runBounded } from '../runtime/batch.js';
export { ContainerService, type ContainerDetail, type ContainerStatus, type ContainerSummary } from '../runtime/containers.js';
export type { RunOptions } from '../runtime/container-create.js';
export type { UpdateOptions } from '../runtime/container-update.js';
export { BerthError, CancelledError, ConflictError, NotFoundError, UsageError } from '../runtime/errors.js';
export { execCommand, type OutputStream } from '../runtime/exec.js';
export { checkHealth } from '../runtime/health.js';
export { Runtime } from '../runtime/runtime.js';
export { ContainerTerminalSession } from '../runtime/terminal-session.js';
export { readEnvFile, type PortSpec } from '../runtime/validate.js';
