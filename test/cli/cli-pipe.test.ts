// The built binary writing into a pipe whose reader stops early (`berth audit | head`): no stack trace, no error
// line, as docker and coreutils behave.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempHome } from '../support/helpers.js';

describe('berth into a closed pipe', () => {
  it('ends quietly when the reader goes away', () => {
    const home = tempHome();
    fs.mkdirSync(path.join(home, 'data'), { recursive: true });
    // Far more output than a pipe buffers, so berth is still writing when head has gone.
    const lines = Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ time: new Date(0).toISOString(), actor: 'u', action: 'container.run', target: `r/c${i}`, result: 'ok' }));
    fs.writeFileSync(path.join(home, 'data', 'actions.jsonl'), `${lines.join('\n')}\n`);
    const bin = path.join(repoRoot, 'bin', 'berth');
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" audit --tail 30000 | head -c 20`], {
      encoding: 'utf8',
      env: { ...process.env, BERTH_HOME: home },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBe(20);
    fs.rmSync(home, { recursive: true, force: true });
  });
});
