// Image references (`[registry/]path[:tag][@digest]`) parsed and checked with Docker's own grammar, and the registry
// each one lives on (Docker Hub for short names), so bad tags fail in one line before anything reaches the engine.
import { UsageError } from '../core/index.js';

export interface ImageRef {
  /** The registry host[:port]; `docker.io` for Docker Hub. */
  registry: string;
  /** The repository path on that registry (`library/busybox` for Hub's short names). */
  path: string;
  tag?: string;
  digest?: string;
  /** What the user typed, trimmed. */
  original: string;
}

export const DOCKER_HUB = 'docker.io';
/** The key docker login uses for Docker Hub in config.json and credential helpers. */
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** Parses a reference; `what` names the flag or argument in the one-line error. */
export function parseImageRef(input: string, what = 'image reference'): ImageRef {
  const original = String(input ?? '').trim();
  const bad = (why: string) => new UsageError(`invalid ${what} "${original}": ${why}`);
  if (!original) throw new UsageError(`an ${what} is required`);
  if (/\s/.test(original)) throw bad('it contains spaces');
  let rest = original;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must look like sha256:<hex>');
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw bad('a tag is up to 128 letters, digits, "_", "." and "-", not starting with "." or "-"');
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0]!;
  if (parts.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    registry = first;
    parts.shift();
    if (!DOMAIN.test(registry)) throw bad(`"${registry}" is not a valid registry host`);
  }
  if (parts.length === 0 || parts.some((p) => !PATH_COMPONENT.test(p))) {
    throw bad('repository names use lowercase letters, digits and single separators (. _ __ -) between "/"');
  }
  if (registry === 'index.docker.io') registry = DOCKER_HUB;
  const path = registry === DOCKER_HUB && parts.length === 1 ? `library/${parts[0]}` : parts.join('/');
  if (rest.length > 255) throw bad('the repository name is longer than 255 characters');
  return { registry, path, tag, digest, original };
}

/** The repository as the engine names it: `busybox`, `me/app`, `127.0.0.1:5000/app` (Hub's prefixes dropped). */
export function repositoryName(ref: ImageRef): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.path}`;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

/** The reference as the engine lists it: repository plus `:tag` (default `latest`) or `@digest`. */
export function familiarName(ref: ImageRef): string {
  const repo = repositoryName(ref);
  if (ref.digest) return `${repo}${ref.tag ? `:${ref.tag}` : ''}@${ref.digest}`;
  return `${repo}:${ref.tag ?? 'latest'}`;
}

/** The key a registry's credentials are stored under: Docker Hub's legacy URL, else host[:port]. */
export function credentialKey(registry: string): string {
  const host = normalizeRegistry(registry);
  return host === DOCKER_HUB ? DOCKER_HUB_KEY : host;
}

/**
 * A registry as the user or config.json names it (`https://host:5000/v2/`, `host:5000`, `index.docker.io`) reduced to
 * host[:port], with Docker Hub's aliases folded into `docker.io`.
 */
export function normalizeRegistry(name: string): string {
  let host = String(name).trim().replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0]!.toLowerCase();
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return DOCKER_HUB;
  return host;
}

/** A registry name from the user (login/logout), checked; empty means Docker Hub. */
export function parseRegistry(name: string | undefined): string {
  if (name === undefined || name.trim() === '') return DOCKER_HUB;
  const host = normalizeRegistry(name);
  if (!DOMAIN.test(host)) throw new UsageError(`invalid registry "${name}": use a host name with an optional :port`);
  return host;
}
