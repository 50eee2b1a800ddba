// A real engine behind a unix-socket relay that a test can cut and restore, as when dockerd stops, restarts or the
// network to a remote engine drops: cut() refuses new connections and drops the open ones. freeze() is the other
// kind of loss, a hung dockerd or a link that drops packets: connections stay open (new ones are accepted) but no
// byte goes either way until thaw() (or restore()).
import fs from 'node:fs';
import net from 'node:net';

export interface EngineRelay {
  /** DOCKER_HOST for clients that should go through the relay. */
  host: string;
  cut(): Promise<void>;
  /** Listens again after a cut; after a freeze, thaws. */
  restore(): Promise<void>;
  freeze(): void;
  /** Forwards again whatever was held, on the connections kept open through the freeze. */
  thaw(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  linked: boolean;
}

export async function startEngineRelay(socketPath: string, upstreamPath = '/var/run/docker.sock'): Promise<EngineRelay> {
  const pairs = new Set<Pair>();
  let server: net.Server | undefined;
  let frozen = false;
  const link = (p: Pair) => {
    if (p.linked) return;
    p.linked = true;
    p.client.pipe(p.upstream);
    p.upstream.pipe(p.client);
  };
  const unlink = (p: Pair) => {
    if (!p.linked) return;
    p.linked = false;
    p.client.unpipe(p.upstream);
    p.upstream.unpipe(p.client);
    // Unpiped streams would flow into nothing: paused, their bytes wait in the buffers until thaw().
    p.client.pause();
    p.upstream.pause();
  };
  const listen = async () => {
    fs.rmSync(socketPath, { force: true });
    server = net.createServer((client) => {
      const p: Pair = { client, upstream: net.connect(upstreamPath), linked: false };
      pairs.add(p);
      if (frozen) client.pause();
      else link(p);
      const drop = () => {
        p.client.destroy();
        p.upstream.destroy();
        pairs.delete(p);
      };
      client.on('error', drop).on('close', drop);
      p.upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  };
  const cut = async () => {
    frozen = false;
    const s = server;
    server = undefined;
    for (const p of pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    pairs.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    fs.rmSync(socketPath, { force: true });
  };
  const freeze = () => {
    frozen = true;
    for (const p of pairs) unlink(p);
  };
  const thaw = () => {
    frozen = false;
    for (const p of pairs) link(p);
  };
  await listen();
  return {
    host: `unix://${socketPath}`,
    cut,
    restore: async () => {
      if (frozen) thaw();
      if (!server) await listen();
    },
    freeze,
    thaw,
    close: cut,
  };
}
