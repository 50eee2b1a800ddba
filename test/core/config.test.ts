// Settings (conf) under BERTH_HOME: the room a command acts on comes from the flag, then BERTH_ROOM, then config.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../src/runtime/core/index.js';
import { tempHome } from '../support/helpers.js';

const home = tempHome();
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('settings', () => {
  it('uses defaults without writing a settings file, then the saved value, with flag and BERTH_ROOM first', async () => {
    const fresh = new Runtime({ env: { BERTH_HOME: home } });
    expect(await fresh.room()).toBe('default');
    expect(await fresh.setting('defaultAgent')).toBe('user');
    expect(fs.existsSync(path.join(home, 'config', 'config.json'))).toBe(false);

    (await fresh.settings()).set('defaultRoom', 'from-config');
    expect(fs.existsSync(path.join(home, 'config', 'config.json'))).toBe(true);

    const later = new Runtime({ env: { BERTH_HOME: home } });
    expect(await later.room()).toBe('from-config');
    expect(await later.room('from-flag')).toBe('from-flag');
    expect(await new Runtime({ env: { BERTH_HOME: home, BERTH_ROOM: 'from-env' } }).room()).toBe('from-env');
  });

  it('reads one setting from the file as conf keeps it, and leaves a file that is not a JSON object to conf', async () => {
    const dir = tempHome();
    try {
      const writer = new Runtime({ env: { BERTH_HOME: dir } });
      (await writer.settings()).set('ui', { maxFps: 7, logLines: 100 });
      const reader = new Runtime({ env: { BERTH_HOME: dir } });
      expect(await reader.setting('ui')).toEqual({ maxFps: 7, logLines: 100 });
      expect(await reader.setting('defaultRoom')).toBe('default'); // written by conf as a default
      const file = path.join(dir, 'config', 'config.json');
      fs.writeFileSync(file, JSON.stringify({ logs: { maxSize: '1m', maxFiles: 2 } }));
      // One read per runtime, as conf reads the file once: the same runtime answers what it read first.
      expect(await reader.setting('ui')).toEqual({ maxFps: 7, logLines: 100 });
      expect(await new Runtime({ env: { BERTH_HOME: dir } }).setting('logs')).toEqual({ maxSize: '1m', maxFiles: 2 });
      expect(await new Runtime({ env: { BERTH_HOME: dir } }).setting('dataRootWarnPercent')).toBe(90); // not in the file
      // Read without opening conf, which would have written its defaults into the file.
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ logs: { maxSize: '1m', maxFiles: 2 } });
      // Broken JSON: the fast path does not guess; conf opens the file and says what it says of it.
      fs.writeFileSync(file, '{ "defaultRoom": ');
      const viaConf = await new Runtime({ env: { BERTH_HOME: dir } })
        .settings()
        .then((s) => s.get('defaultRoom'))
        .then((value) => ({ value }), (err: Error) => ({ error: err.message }));
      const viaSetting = await new Runtime({ env: { BERTH_HOME: dir } })
        .setting('defaultRoom')
        .then((value) => ({ value }), (err: Error) => ({ error: err.message }));
      expect(viaSetting).toEqual(viaConf);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the engine host from config when nothing else names one', async () => {
    const rt = new Runtime({ env: { BERTH_HOME: home, DOCKER_CONFIG: path.join(home, 'no-docker') } });
    (await rt.settings()).set('host', 'tcp://127.0.0.1:2999');
    const endpoint = await new Runtime({ env: { BERTH_HOME: home, DOCKER_CONFIG: path.join(home, 'no-docker') } }).endpoint();
    expect(endpoint.url).toBe('tcp://127.0.0.1:2999');
    expect(endpoint.source).toBe('berth config (host)');
  });
});
