// Pure formatting shared by the CLI tables and the dashboard: bytes, durations, ages, ports, percentages.
import type { PortMapping } from './containers.js';

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(value < 10 ? 1 : 0)}${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d`;
}

/** "3m ago" style age of an ISO time relative to now. */
export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (!Number.isFinite(t) || t <= 0) return '-';
  return `${formatDuration(Math.max(0, now - t))} ago`;
}

export function formatPercent(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return `${value.toFixed(1)}%`;
}

export function formatPorts(ports: PortMapping[]): string {
  const published = ports.filter((p) => p.hostPort);
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const p of published) {
    const text = `${p.hostPort}->${p.containerPort}/${p.protocol}`;
    if (!seen.has(text)) parts.push(text); // Docker lists IPv4 and IPv6 bindings separately
    seen.add(text);
  }
  return parts.join(', ');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Truncates to width with an ellipsis; width counts UTF-16 units, which is right for the ASCII berth prints. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}
