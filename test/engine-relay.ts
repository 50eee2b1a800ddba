// A real engine behind a unix-socket relay that a test can cut and restore, as when dockerd stops, restarts or the
// network to a remote engine drops: cut() refuses new connections and drops the open ones.
import fs from 'node:fs';
import net from 'node:net';

export interface EngineRelay {
  /** DOCKER_HOST for clients that should go through the relay. */
  host: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startEngineRelay(socketPath: string, upstreamPath = '/var/run/docker.sock'): Promise<EngineRelay> {
  const conns = new Set<net.Socket>();
  let server: net.Server | undefined;
  const listen = async () => {
    fs.rmSync(socketPath, { force: true });
    server = net.createServer((client) => {
      const upstream = net.connect(upstreamPath);
      conns.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        conns.delete(client);
        conns.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  };
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const c of conns) c.destroy();
    conns.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    fs.rmSync(socketPath, { force: true });
  };
  await listen();
  return { host: `unix://${socketPath}`, cut, restore: listen, close: cut };
}
