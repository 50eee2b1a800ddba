// The files: files in and out of containers (upload, download, listing), archives and their guard, extraction, and room storage on the host.
export { type ArchiveEntry, ArchiveRefusedError, defaultArchiveLimits, fileEntries, tarEntries } from './archive.js';
export { extractEntries } from './extract.js';
export {
  type DirEntry,
  archiveLimits,
  downloadArchive,
  downloadExtract,
  downloadFile,
  extractArchiveFile,
  listContainerDir,
  readContainerFile,
  resolveContainerPath,
  type ContainerPath,
  uploadAndRun,
  uploadToContainer,
} from './files.js';
export { type StorageEntry, StorageService } from './storage.js';
