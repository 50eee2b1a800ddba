// dist/commands.json, what the build records so a command line loads only what it runs: every command group's help
// line and the text of `berth --help` at the width a pipe gets. It is stamped with a hash of what the build was made
// of (BERTH_BUILD, defined in the bundle too): a manifest from another build, or one that cannot be read, is ignored.
import fs from 'node:fs';

declare const BERTH_BUILD: string | undefined;

/** The width yargs wraps help to when stdout is not a terminal (src/commands/main.ts); the cached help has it. */
export const PIPE_HELP_WIDTH = 100;

export interface ManifestFile {
  build: string;
  groups: unknown[];
  /** What `berth --help` writes to stdout at PIPE_HELP_WIDTH columns. */
  help?: string;
}

export function readManifestFile(
  file: URL = new URL('./commands.json', import.meta.url),
  build = typeof BERTH_BUILD === 'string' ? BERTH_BUILD : undefined,
): ManifestFile | undefined {
  if (build === undefined) return undefined;
  try {
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ManifestFile>;
    if (manifest.build !== build || !Array.isArray(manifest.groups)) return undefined;
    if (manifest.help !== undefined && typeof manifest.help !== 'string') return undefined;
    return manifest as ManifestFile;
  } catch {
    return undefined;
  }
}
