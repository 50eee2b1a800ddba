// The part of tar-fs (no bundled types) that image mounts use.
declare module 'tar-fs' {
  import type { Writable } from 'node:stream';
  export function extract(dir: string, opts?: { ignore?: (name: string, header?: { type?: string }) => boolean }): Writable;
  const tarFs: { extract: typeof extract };
  export default tarFs;
}
