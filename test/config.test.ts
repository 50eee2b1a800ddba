// Settings (conf) under BERTH_HOME: the room a command acts on comes from the flag, then BERTH_ROOM, then config.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Runtime } from '../src/runtime/runtime.js';
import { tempHome } from './helpers.js';

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

  it('takes the engine host from config when nothing else names one', async () => {
    const rt = new Runtime({ env: { BERTH_HOME: home, DOCKER_CONFIG: path.join(home, 'no-docker') } });
    (await rt.settings()).set('host', 'tcp://127.0.0.1:2999');
    const endpoint = await new Runtime({ env: { BERTH_HOME: home, DOCKER_CONFIG: path.join(home, 'no-docker') } }).endpoint();
    expect(endpoint.url).toBe('tcp://127.0.0.1:2999');
    expect(endpoint.source).toBe('berth config (host)');
  });
});
