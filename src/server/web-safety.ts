// Browser-facing safety: a Host header must name this server (no DNS rebinding), a request carrying an Origin must
// come from this server's own origin (no cross-site requests or WebSocket hijacking), and no CORS headers are sent.
import net from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

export interface HostRules {
  /** Extra names clients may use in Host (berth serve --allow-host). */
  names: string[];
  /** Extra origins allowed besides the server's own (berth serve --allow-origin). */
  origins: string[];
}

function hostname(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (m) return m[1]!;
  return host.replace(/:\d+$/, '');
}

/**
 * A Host is acceptable when it is an IP literal (a rebinding attack needs a name the attacker controls), localhost,
 * or a configured name.
 */
export function hostAllowed(host: string | undefined, rules: HostRules): boolean {
  if (!host) return false;
  const name = hostname(host.toLowerCase());
  return net.isIP(name) !== 0 || name === 'localhost' || rules.names.some((n) => n.toLowerCase() === name || n.toLowerCase() === host.toLowerCase());
}

export function webSafety(rules: HostRules) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!hostAllowed(req.headers.host, rules)) {
      throw new HttpError(421, 'bad_host', `Host "${String(req.headers.host ?? '').slice(0, 100)}" is not this server: use its address, or start berth serve with --allow-host NAME`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let own = false;
      try {
        own = new URL(origin).host === req.headers.host;
      } catch {
        own = false;
      }
      if (!own && !rules.origins.includes(origin)) throw new HttpError(403, 'bad_origin', `requests from origin "${origin.slice(0, 100)}" are refused`);
    }
  };
}
