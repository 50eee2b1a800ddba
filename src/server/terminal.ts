// Terminals over a WebSocket: the same container terminal sessions the CLI and dashboard use (a Docker exec with a
// TTY), with the size at open, input bytes, resize, interrupt, terminate, kill and stop, and an exit frame.
import { Ajv } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { roomOf } from './access.js';
import { cuidParams, type CuidParams, type ServerContext } from './context.js';
import { toHttpError } from './errors.js';
import { FILES_ROOT } from './present.js';
import { ContainerTerminalSession } from './runtime.js';
import { sendJson, type SocketSessions } from './sockets.js';

/** What a client may send as a text frame (binary frames are input bytes). */
export const terminalControlSchema = {
  oneOf: [
    { type: 'object', required: ['type', 'data'], additionalProperties: false, properties: { type: { const: 'input' }, data: { type: 'string' } } },
    {
      type: 'object',
      required: ['type', 'cols', 'rows'],
      additionalProperties: false,
      properties: { type: { const: 'resize' }, cols: { type: 'integer', minimum: 1, maximum: 1000 }, rows: { type: 'integer', minimum: 1, maximum: 1000 } },
    },
    { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { enum: ['interrupt', 'terminate', 'kill', 'stop'] } } },
  ],
} as const;

type Control = { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number } | { type: 'interrupt' | 'terminate' | 'kill' | 'stop' };

const validateControl = new Ajv().compile<Control>(terminalControlSchema);

export function terminalRoutes(app: FastifyInstance, ctx: ServerContext, sessions: SocketSessions): void {
  app.get<{ Params: CuidParams; Querystring: { cols: number; rows: number; command?: string } }>(
    '/v1/containers/:cuid/terminal',
    {
      config: { grant: 'exec:write' },
      websocket: true,
      schema: {
        summary: 'WebSocket: an interactive terminal (a shell with a TTY) in the container',
        description:
          'Client frames: binary = input bytes; text = JSON {"type":"input","data":"..."}, {"type":"resize","cols":N,"rows":N}, {"type":"interrupt"} (Ctrl+C), {"type":"terminate"} (SIGTERM), {"type":"kill"} (SIGKILL), {"type":"stop"} (end the session). Server frames: binary = output bytes; text = {"type":"exit","exit_code":N} when the shell exits (then a normal close), {"type":"error","error":{...}}.',
        tags: ['terminal'],
        params: cuidParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            cols: { type: 'integer', minimum: 1, maximum: 1000, default: 80 },
            rows: { type: 'integer', minimum: 1, maximum: 1000, default: 24 },
          },
        },
      },
    },
    (socket: WebSocket, req) => {
      // A terminal may sit idle for hours: the idle timeout is for connections that never become one.
      req.raw.socket?.setTimeout(0);
      let session: ContainerTerminalSession | undefined;
      let closed = false;
      /** Set by a server shutdown: the close frame (1001) is the shutdown's to send. */
      let ending = false;
      const pending: [RawData, boolean][] = [];
      const stop = async () => {
        ending = true;
        await session?.stop();
      };
      sessions.add(socket, stop);
      const handle = (data: RawData, isBinary: boolean) => {
        if (!session) return void pending.push([data, isBinary]);
        if (isBinary) return session.sendInput(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
        let msg: unknown;
        try {
          msg = JSON.parse(data.toString());
        } catch {
          msg = undefined;
        }
        if (!validateControl(msg)) return sendJson(socket, { type: 'error', error: { code: 'bad_request', message: 'unknown control frame: send input, resize, interrupt, terminate, kill or stop' } });
        switch (msg.type) {
          case 'input':
            return session.sendInput(msg.data);
          case 'resize':
            return session.resize(msg.cols, msg.rows);
          case 'interrupt':
            return session.interrupt();
          case 'terminate':
            return void session.terminate().catch(() => {});
          case 'kill':
            return void session.kill().catch(() => {});
          case 'stop':
            return void session.stop().then(() => socket.close(1000, 'stopped'));
        }
      };
      socket.on('message', (data, isBinary) => handle(data, isBinary));
      socket.once('close', () => {
        closed = true;
        void session?.stop();
      });
      Promise.resolve()
        .then(() => ContainerTerminalSession.create(req.rt, req.params.cuid, { room: roomOf(req, ctx), cols: req.query.cols, rows: req.query.rows, workdir: FILES_ROOT }))
        .then((s) => {
          session = s;
          if (closed) return void s.stop();
          s.onData((chunk) => {
            if (socket.readyState === socket.OPEN) socket.send(chunk, { binary: true });
          });
          // Frames that came while the exec was being set up, in order (text frames are control messages).
          for (const [data, isBinary] of pending.splice(0)) handle(data, isBinary);
          s.wait().then(
            (code) => {
              sendJson(socket, { type: 'exit', exit_code: code });
              if (socket.readyState === socket.OPEN && !ending) socket.close(1000, 'exited');
            },
            () => {
              if (socket.readyState === socket.OPEN && !ending) socket.close(1000, 'session ended');
            },
          );
        })
        .catch((err) => {
          const e = toHttpError(err, req.rt);
          sendJson(socket, { type: 'error', error: { code: e.code, message: e.message } });
          if (socket.readyState === socket.OPEN) socket.close(1011, e.code);
        });
    },
  );
}
