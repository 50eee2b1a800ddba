// Jobs (`berth run`): one command in a temporary container of the room, its output streamed back as it comes
// (newline-delimited JSON), then its exit code; the container is removed whatever happens. A client that goes
// away, or a timeout, kills and removes the job.
import { StringDecoder } from 'node:string_decoder';
import type { FastifyInstance } from 'fastify';
import { roomOf } from './access.js';
import { argv } from './containers.js';
import type { ServerContext } from './context.js';
import { errorResponses } from './errors.js';
import { ndjson, NDJSON } from './ndjson.js';
import { resourcesSchema } from './present.js';
import { roomQuery, type RoomQuery } from './room-query.js';
import { runJob } from './runtime.js';

interface JobBody {
  image: string;
  command?: string | string[];
  env?: Record<string, string>;
  tags?: string[];
  resources?: { cpus?: number; memory?: string | number; pids?: number };
  timeout?: number;
  stdin?: string;
}

export function jobRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Querystring: RoomQuery; Body: JobBody }>(
    '/v1/jobs',
    {
      config: { grant: 'containers:write' },
      schema: {
        summary: 'Run one command in a temporary container: output streamed, then its exit code; the container is removed',
        description:
          'The answer streams newline-delimited JSON: {"type":"stdout"|"stderr","data"} as output comes, {"type":"started","id","name"} once the container runs (output is attached before the start, so a line may come first), then {"type":"exit","exit_code":N}; a failure after the first line is {"type":"error","error":{code,message}} (timeout: code timeout). Closing the connection kills and removes the job.',
        tags: ['jobs'],
        querystring: roomQuery({}),
        body: {
          type: 'object',
          required: ['image'],
          additionalProperties: false,
          properties: {
            image: { type: 'string', minLength: 1 },
            command: {
              anyOf: [
                { type: 'string', minLength: 1, description: 'Run by sh -c' },
                { type: 'array', items: { type: 'string' }, minItems: 1, description: 'argv' },
              ],
            },
            env: { type: 'object', additionalProperties: { type: 'string' } },
            tags: { type: 'array', items: { type: 'string' } },
            resources: resourcesSchema,
            timeout: { type: 'number', exclusiveMinimum: 0, maximum: 86400, description: 'Seconds; past it the job is killed and removed' },
            stdin: { type: 'string', maxLength: 1048576, description: "Fed to the command's stdin, which then closes" },
          },
        },
        produces: [NDJSON],
        response: { 200: { type: 'string', description: 'newline-delimited JSON events' }, ...errorResponses },
      },
    },
    async (req, reply) => {
      const room = roomOf(req, ctx, req.query.room);
      const b = req.body;
      return ndjson(req, reply, ctx.shutdown, async (send, signal) => {
        const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
        const r = await runJob(
          req.rt,
          room,
          {
            image: b.image,
            ...(b.command !== undefined ? { command: argv(b.command) } : {}),
            env: b.env,
            tags: b.tags,
            cpus: b.resources?.cpus,
            memory: b.resources?.memory,
            pids: b.resources?.pids,
            timeoutMs: b.timeout !== undefined ? b.timeout * 1000 : undefined,
            ...(b.stdin !== undefined ? { stdin: b.stdin } : {}),
          },
          {
            signal,
            onStarted: (job) => send({ type: 'started', id: job.id, name: job.name }),
            onOutput: (stream, chunk) => {
              const data = decoders[stream].write(chunk);
              if (data) send({ type: stream, data });
            },
          },
        );
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = decoders[stream].end();
          if (rest) send({ type: stream, data: rest });
        }
        return { type: 'exit', exit_code: r.exitCode };
      });
    },
  );
}
