// The import rules of .dependency-cruiser.cjs over src/: no cycles (type-only and dynamic imports count), no UI in the
// library, no dockerode in the surfaces, and domains entered only through their index.ts.
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/helpers.js';

const config = createRequire(import.meta.url)(path.join(repoRoot, '.dependency-cruiser.cjs'));

async function cruiseSrc(): Promise<ICruiseResult> {
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    const tsConfig = extractTSConfig(path.join(repoRoot, 'tsconfig.json'));
    const result = await cruise(['src'], { ...config.options, validate: true, ruleSet: { forbidden: config.forbidden } }, {}, { tsConfig });
    return result.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}

describe('architecture', () => {
  it('src/ keeps every import rule of .dependency-cruiser.cjs', async () => {
    const result = await cruiseSrc();
    const violations = result.summary.violations.map((v) => `${v.rule.name}: ${[v.from, ...(v.cycle?.map((c) => c.name) ?? [v.to])].join(' → ')}`);
    expect(violations).toEqual([]);
    // The cruise saw the library, dynamic and type-only imports included (so a cycle through them would show).
    expect(result.summary.totalCruised).toBeGreaterThan(200);
    const containers = result.modules.find((m) => m.source === 'src/runtime/containers/containers.ts');
    expect(containers?.dependencies.some((d) => d.dynamic && d.resolved === 'src/runtime/containers/container-update.ts')).toBe(true);
    expect(containers?.dependencies.some((d) => d.dependencyTypes.includes('type-only'))).toBe(true);
  });

  it('names the rules it enforces', () => {
    expect(config.forbidden.map((r: { name: string }) => r.name)).toEqual([
      'no-circular',
      'runtime-no-ui',
      'surfaces-no-dockerode',
      'domain-face-only',
      'domain-enters-domain-by-face',
      'runtime-in-domains',
    ]);
  });
});
