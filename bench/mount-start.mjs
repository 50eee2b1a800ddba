// A container start with a mount under storage: `berth run` of `true` with the room storage at /data (and the agent's
// workspace at /workspace, as every berth run has), next to the same run without --mount-path, and `docker run --rm`
// with and without a bind of the same directory, interleaved in one run. What the safe mount sources cost is the
// difference between berth's two rows (ensureOwnedDir's lstat chain; no engine call for a whole-storage mount).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { berthStart, compare, ensureBuilt, node, removeBenchRoom, table } from './lib.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const IMAGE = process.env.BENCH_IMAGE ?? 'berth-fixture:latest';

ensureBuilt();
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-mount-'));
const env = { ...process.env, BERTH_HOME: home, BERTH_AGENT: 'bench' };
const room = `bench-mount-${process.pid}`;
try {
  const storage = path.join(home, 'data', 'rooms', room);
  fs.mkdirSync(storage, { recursive: true });
  const berth = (...args) => ({ cmd: node, args: [...berthStart, '--room', room, ...args], opts: { env } });
  const rows = compare(
    [
      { name: 'docker run --rm IMAGE true', cmd: 'docker', args: ['run', '--rm', '--log-opt', 'max-size=1m', IMAGE, 'true'] },
      { name: 'docker run --rm -v STORAGE:/data IMAGE true', cmd: 'docker', args: ['run', '--rm', '--log-opt', 'max-size=1m', '-v', `${storage}:/data`, IMAGE, 'true'] },
      { name: 'berth run IMAGE -- true', ...berth('run', IMAGE, '--', 'true') },
      { name: 'berth run --mount-path /data IMAGE -- true', ...berth('run', '--mount-path', '/data', IMAGE, '--', 'true') },
    ],
    RUNS,
  );
  console.log(table(rows, 'docker run --rm IMAGE true'));
} finally {
  removeBenchRoom(room, env);
  fs.rmSync(home, { recursive: true, force: true });
}
