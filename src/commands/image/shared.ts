// What the image, build and registry commands share: credential flags (--username with --password-stdin; a
// password is never a flag), the image table columns and a reader for stdin.
import type { Argv } from 'yargs';
import { type RegistryAuth, credentialKey, parseImageRef, type ImageSummary } from '../../runtime/images/index.js';
import { UsageError, formatAge, formatBytes, shortId } from '../../runtime/core/index.js';
import type { CliContext } from '../context.js';
import type { Column } from '../output.js';

export interface CredentialFlags {
  username?: string;
  passwordStdin?: boolean;
  password?: unknown;
}

export function credentialOptions<T>(y: Argv<T>) {
  return y
    .option('username', { alias: 'u', type: 'string', describe: 'Registry user (the password comes from stdin with --password-stdin)' })
    .option('password-stdin', { type: 'boolean', describe: 'Read the registry password (or token) from stdin' })
    // Declared only to refuse it with a clear line instead of yargs' "unknown argument"; never read.
    .option('password', { type: 'string', hidden: true });
}

/** All of stdin as text (the password), without its trailing newline. */
export async function readStdin(ctx: CliContext): Promise<string> {
  const stdin = ctx.io.stdin;
  if (!stdin) throw new UsageError('--password-stdin needs a password on stdin');
  let text = '';
  for await (const chunk of stdin) text += chunk.toString();
  return text.replace(/[\r\n]+$/, '');
}

/** Credentials from the flags for one registry, or undefined to use what docker login stored. */
export async function authFromFlags(ctx: CliContext, flags: CredentialFlags, registry: string): Promise<RegistryAuth | undefined> {
  if (flags.password !== undefined) throw new UsageError('--password is not accepted (it would show in process lists): pipe the password to --password-stdin');
  if (flags.passwordStdin && !flags.username) throw new UsageError('--password-stdin needs --username');
  if (flags.username && !flags.passwordStdin) throw new UsageError('--username needs the password on stdin: add --password-stdin');
  if (!flags.username) return undefined;
  const password = await readStdin(ctx);
  if (!password) throw new UsageError('the password read from stdin is empty');
  return { serveraddress: credentialKey(registry), username: flags.username, password };
}

/** The registry a reference lives on (checked; bad references fail here, before stdin is read). */
export function registryOfRef(ref: string, what?: string): string {
  return parseImageRef(ref, what).registry;
}

export interface ImageRow {
  ref: string;
  image: ImageSummary;
}

/** One row per name, as docker images shows them (a dangling image is one <none> row). */
export function imageRows(images: ImageSummary[]): ImageRow[] {
  return images.flatMap((image) => (image.tags.length ? image.tags.map((ref) => ({ ref, image })) : [{ ref: '<none>:<none>', image }]));
}

function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export const imageColumns: Column<ImageRow>[] = [
  { header: 'IMAGE', value: (r) => r.ref, flex: true },
  { header: 'ID', value: (r) => shortId(r.image.id) },
  { header: 'SIZE', value: (r) => formatBytes(r.image.size) },
  { header: 'CREATED', value: (r) => formatAge(r.image.created) },
  { header: 'USED BY', value: (r) => (r.image.usedBy.length ? String(r.image.usedBy.length) : '-') },
  { header: 'DIGEST', value: (r) => r.image.digests[0]?.split('@')[1] ?? '-', wide: true },
  { header: 'ROOMS', value: (r) => r.image.rooms.join(',') || '-', wide: true },
  { header: 'LABELS', value: (r) => formatLabels(r.image.labels) || '-', wide: true, flex: true },
];
