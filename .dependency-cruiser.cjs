// The import rules of berth's layers, checked by test/architecture.test.ts (and `npx depcruise src`).
// Type-only and dynamic imports count: a cycle hidden behind `import type` or `await import()` is still a cycle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules never import each other in a circle, directly or through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'runtime-no-ui',
      comment: 'src/runtime is the library: it never imports React, Ink, yargs or chalk.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '(^|/)node_modules/(@types/)?(react|react-dom|ink|ink-[^/]+|yargs|chalk)(/|$)' },
    },
    {
      name: 'surfaces-no-dockerode',
      comment: 'Commands, views and the dashboard call src/runtime; none talks to dockerode.',
      severity: 'error',
      from: { path: '^src/(commands|views|app)/' },
      to: { path: '(^|/)node_modules/(@types/)?(dockerode|docker-modem)(/|$)' },
    },
    {
      name: 'domain-face-only',
      comment: 'Outside src/runtime a domain is entered only through its index.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/' },
      to: { path: '^src/runtime/', pathNot: '^src/runtime/[^/]+/index\\.ts$' },
    },
    {
      name: 'domain-enters-domain-by-face',
      comment: 'A domain enters another only through its index.ts.',
      severity: 'error',
      from: { path: '^src/runtime/([^/]+)/' },
      to: { path: '^src/runtime/', pathNot: ['^src/runtime/$1/', '^src/runtime/[^/]+/index\\.ts$'] },
    },
    {
      name: 'runtime-in-domains',
      comment: 'Every library module belongs to a domain folder.',
      severity: 'error',
      from: {},
      to: { path: '^src/runtime/[^/]+\\.tsx?$' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
