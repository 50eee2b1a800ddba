// ssh:// engines the way the docker CLI reaches them: each HTTP connection is `ssh ... docker system dial-stdio` on
// the far side, so ~/.ssh/config, known_hosts (a changed host key is refused), keys and the ssh agent all apply.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { Duplex } from 'node:stream';

export interface SshTarget {
  host: string;
  /** Only when the URL names one; otherwise ssh config (or 22) decides. */
  port?: number;
  user?: string;
}

/** Parses ssh://[user@]host[:port]; the path is not used (docker ignores it too). */
export function sshTarget(url: string): SshTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    ...(parsed.port ? { port: Number(parsed.port) } : {}),
    ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
  };
}

/**
 * ssh's arguments: BatchMode so it never prompts (no password or host-key question inside the dashboard), a connect
 * timeout, then BERTH_SSH_OPTS (extra options such as `-F config` or `-i key`) and the remote command.
 */
export function sshArgs(target: SshTarget, env: NodeJS.ProcessEnv): string[] {
  const extra = (env.BERTH_SSH_OPTS ?? '').split(/\s+/).filter(Boolean);
  return [
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=10',
    '-T',
    ...(target.user ? ['-l', target.user] : []),
    ...(target.port ? ['-p', String(target.port)] : []),
    ...extra,
    '--', target.host,
    'docker', 'system', 'dial-stdio',
  ];
}

/** One line for what ssh said on the way out; the codes make isConnectionError treat it as an unreachable engine. */
export function sshFailure(stderr: string, exitCode: number | null): Error & { code: string } {
  const text = stderr.replace(/\r/g, '');
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !/^@+$/.test(l) && !l.startsWith('Warning: Permanently added'));
  let message: string;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(text)) {
    const which = /Host key for (\S+) has changed/.exec(text)?.[1] ?? 'the host';
    message = `ssh refused ${which}: its host key changed since it was added to known_hosts (if the change is expected: ssh-keygen -R '${which}')`;
  } else if (/No \S+ host key is known for|Host key verification failed/.test(text)) {
    const which = /host key is known for (\S+)/.exec(text)?.[1] ?? 'the host';
    message = `ssh refused ${which}: its host key is not in known_hosts (connect once with ssh to check and add it)`;
  } else if (/Permission denied/.test(text)) {
    message = `ssh authentication failed: ${lines.find((l) => l.includes('Permission denied'))}`;
  } else if (/Connection refused/.test(text)) {
    message = 'ssh: connection refused';
  } else if (/command not found|docker: not found/.test(text)) {
    message = 'the far side has no docker CLI (ssh engines run `docker system dial-stdio` there)';
  } else {
    message = `ssh exited with code ${exitCode ?? 'unknown'}${lines.length ? `: ${lines[lines.length - 1]}` : ''}`;
  }
  return Object.assign(new Error(message), { code: 'ESSHCONNECT' });
}

/** A duplex over one ssh child's stdin/stdout: what http (and docker-modem's hijack for exec/attach) reads and writes. */
class SshStream extends Duplex {
  constructor(target: SshTarget, env: NodeJS.ProcessEnv) {
    // When the engine's side ends, the connection is over: end ours too (ssh exits), so 'close' follows.
    super({ allowHalfOpen: false });
    const child = spawn('ssh', sshArgs(target, env), { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stderr = '';
    let gotData = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
    child.stdout.on('data', (chunk: Buffer) => {
      gotData = true;
      if (!this.push(chunk)) child.stdout.pause();
    });
    // Before any byte came back, an end means ssh failed: wait for its exit code and say why, not "socket hang up".
    child.stdout.on('end', () => gotData && this.push(null));
    child.on('error', (err) => this.destroy(Object.assign(new Error(`cannot run ssh: ${err.message}`), { code: 'ESSHCONNECT' })));
    child.on('close', (code) => {
      if (gotData || this.destroyed) return;
      if (code !== 0) this.destroy(sshFailure(stderr, code));
      else this.push(null);
    });
    child.stdin.on('error', () => {});
    this.child = child;
  }

  private readonly child: ReturnType<typeof spawn>;

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    // A write error means ssh is gone; its exit (close) reports why, so the write itself does not fail the stream.
    this.child.stdin!.write(chunk, () => done());
  }

  override _final(done: () => void): void {
    this.child.stdin!.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.child.exitCode === null) this.child.kill();
    done(err);
  }

  // What http.Agent and the hijack code call on a net.Socket.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  // http.Agent unrefs a kept-alive idle connection so it never holds the process open: the ssh child and its pipes.
  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { ref?: () => void } | null)?.ref?.();
    return this;
  }
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
    return this;
  }
}

/** An http.Agent whose connections are ssh dial-stdio tunnels; kept alive so sequential calls reuse one ssh. */
export function sshAgent(target: SshTarget, env: NodeJS.ProcessEnv = process.env): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 1, keepAliveMsecs: 30_000 });
  (agent as unknown as { createConnection: (opts: object, cb: (err: Error | null, s: Duplex) => void) => Duplex }).createConnection = () =>
    new SshStream(target, env);
  return agent;
}
