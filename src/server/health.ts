// The API's own health: up, the engine's version (the manual's compose_version), and the server's uptime.
import type { FastifyInstance } from 'fastify';
import { errorResponses } from './errors.js';
import { checkHealth } from './runtime.js';

export function healthRoutes(app: FastifyInstance, startedAt: number): void {
  app.get(
    '/v1/health',
    {
      config: { grant: 'public' },
      schema: {
        summary: 'Health: status ok when the engine answers (degraded when not), its version, the server uptime',
        tags: ['health'],
        response: {
          200: {
            type: 'object',
            required: ['status', 'uptime_s'],
            properties: {
              status: { type: 'string', enum: ['ok', 'degraded'] },
              compose_version: { type: ['string', 'null'], description: "The engine's version (the manual's field name)" },
              engine_api_version: { type: ['string', 'null'] },
              uptime_s: { type: 'number' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const h = await checkHealth(req.rt);
      return {
        status: h.engine.reachable ? 'ok' : 'degraded',
        compose_version: h.engine.version ?? null,
        engine_api_version: h.engine.apiVersion ?? null,
        uptime_s: Math.round((Date.now() - startedAt) / 100) / 10,
      };
    },
  );
}
