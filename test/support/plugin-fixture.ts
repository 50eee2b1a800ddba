// A plugin release for API tests: a unique code (so parallel files never share its image), a Dockerfile FROM the
// fixture image that prints its params and sleeps `seconds`, registered in a BERTH_HOME with `berth plugin add`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { docker, FIXTURE_IMAGE, runCli } from './helpers.js';

export interface PluginFixture {
  code: string;
  release: string;
  image: string;
  /** Removes the release's image (the rooms' containers are removed by the caller). */
  remove(): Promise<void>;
}

export async function addProbePlugin(home: string): Promise<PluginFixture> {
  const code = `probe${randomBytes(4).toString('hex')}`;
  const dir = path.join(home, 'plugin-src', code);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'berth-plugin.yaml'),
    [
      `code: ${code}`,
      'version: 1.0.0',
      'description: Prints its params, then sleeps',
      'params:',
      '  type: object',
      '  properties:',
      '    seconds: { type: integer, minimum: 0, maximum: 600 }',
      '    words: { type: array, items: { type: string } }',
      '  required: [seconds]',
      '  additionalProperties: false',
      'env:',
      '  GREETING: hello',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    `FROM ${FIXTURE_IMAGE}\nCMD ["sh", "-c", "cat \\"$BERTH_PARAMS_FILE\\"; echo; exec sleep $(echo \\"$BERTH_PARAMS\\" | sed -n 's/.*\\"seconds\\":\\\\([0-9]*\\\\).*/\\\\1/p')"]\n`,
  );
  const added = await runCli(['plugin', 'add', dir], { BERTH_HOME: home, BERTH_AGENT: '' });
  if (added.code !== 0) throw new Error(`plugin add failed: ${added.stderr}`);
  const image = `berth-plugin/${code}:1.0.0`;
  return { code, release: `${code}@1.0.0`, image, remove: () => docker.getImage(image).remove({ force: true }).then(() => undefined, () => undefined) };
}
