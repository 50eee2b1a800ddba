// The images: pull, list, tag, push, delete, references, builds and their contexts, registry credentials and login.
export { contextFilter, readIgnorePatterns } from './build-context.js';
export {
  type BuildEvent,
  baseImages,
  buildCredentialRegistry,
  buildImage,
  parseBuildArgs,
  parseLabels,
  roomStorageContext,
} from './build.js';
export { type RegistryAuth, allCredentials, listRegistries, resolveCredentials } from './credentials.js';
export {
  type ImageRef,
  credentialKey,
  familiarName,
  normalizeRegistry,
  parseImageRef,
  parseRegistry,
} from './image-ref.js';
export {
  type DeleteImageResult,
  type ImageDetail,
  type ImageSummary,
  type ProgressEvent,
  claimImage,
  deleteImage,
  imageExists,
  inspectImage,
  listImages,
  pullImage,
  pushImage,
  tagImage,
} from './images.js';
export { listLogins, loginRegistry, logoutRegistry } from './registry.js';
