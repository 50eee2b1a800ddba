// The API tokens, for an admin (a person): list them (never their text) and revoke one, so a leaked agent token can
// be cut off from wherever the admin is. Creating stays on the CLI, where the token is shown once to the person
// who made it. Both routes are `person`: no token can call them, whatever its grants.
import type { FastifyInstance } from 'fastify';
import { personOf } from './access.js';
import { errorResponses } from './errors.js';
import { listTokens, revokeToken, type ApiToken } from './runtime.js';

const tokenSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    agent: { type: 'string' },
    rooms: { type: 'array', items: { type: 'string' } },
    grants: { type: 'array', items: { type: 'string' } },
    created_at: { type: 'string' },
    created_by: { type: 'string' },
    expires_at: { type: ['string', 'null'] },
    last_used_at: { type: ['string', 'null'] },
  },
} as const;

function present(t: ApiToken) {
  return {
    id: t.id,
    name: t.name,
    agent: t.agent,
    rooms: t.rooms,
    grants: t.grants,
    created_at: t.createdAt,
    created_by: t.createdBy,
    expires_at: t.expiresAt,
    last_used_at: t.lastUsedAt,
  };
}

export function tokenRoutes(app: FastifyInstance): void {
  app.get(
    '/v1/tokens',
    {
      config: { grant: 'person' },
      schema: {
        summary: 'The API tokens (never their text): an admin only',
        tags: ['tokens'],
        response: { 200: { type: 'object', properties: { tokens: { type: 'array', items: tokenSchema } } }, ...errorResponses },
      },
    },
    async (req) => ({ tokens: listTokens(req.rt).map(present) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/tokens/:id',
    {
      config: { grant: 'person' },
      schema: {
        summary: 'Revoke a token: refused from the next request, its open WebSocket sessions closed within a second',
        tags: ['tokens'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['revoked'] }, token: tokenSchema } }, ...errorResponses },
      },
    },
    async (req) => ({ status: 'revoked', token: present(await revokeToken(req.rt, req.params.id, personOf(req))) }),
  );
}
