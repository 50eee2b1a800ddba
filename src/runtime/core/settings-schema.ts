// The one schema of the settings file (config.json). Each node's `title` is what a wrong value must be, as the error
// line says it (`trustRules must be a list of rules (found 5)`). The bundle carries this schema compiled at build time
// (scripts/build.mjs, ajv standalone code); scripts/docs-config.mjs checks it against defaultSettings. No imports:
// the build loads this file alone.

const text = { type: 'string', title: 'text' };
const whole = (min: number, max?: number) => ({
  type: 'integer',
  minimum: min,
  ...(max !== undefined ? { maximum: max } : {}),
  title: max !== undefined ? `a whole number from ${min} to ${max}` : `a whole number, ${min} or more`,
});
const positive = { type: 'number', exclusiveMinimum: 0, title: 'a number above 0' };

const agentLimits = {
  type: 'object',
  title: 'the limits of one agent {cpus?, memory?, maxRunning?, onLimit?}',
  additionalProperties: false,
  properties: {
    cpus: positive,
    memory: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*[bkmgtBKMGT]?([iI]?[bB])?\\s*$', title: 'a size like "512m" or "1g"' },
    maxRunning: whole(1),
    onLimit: { enum: ['reject', 'queue'], title: '"reject" or "queue"' },
  },
};

const trustRule = {
  type: 'object',
  title: 'a rule {id, pattern, action, agent?, room?, createdAt?, createdBy?}',
  required: ['id', 'pattern', 'action'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, title: 'the rule\'s id (text)' },
    pattern: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, title: 'a word (text)' }, title: 'a list of one or more words' },
    action: { enum: ['allow', 'deny'], title: '"allow" or "deny"' },
    agent: text,
    room: text,
    createdAt: text,
    createdBy: text,
  },
};

const group = (title: string, properties: Record<string, object>) => ({ type: 'object', title, additionalProperties: false, properties });

export const settingsSchema = {
  type: 'object',
  title: 'an object of settings {"defaultRoom": …, "trustRules": […], …}',
  additionalProperties: false,
  properties: {
    defaultRoom: text,
    defaultAgent: text,
    host: text,
    trustedPatterns: { type: 'array', items: text, title: 'a list of texts' },
    agentLimits: { type: 'object', additionalProperties: agentLimits, title: 'an object of agent names to limits' },
    ui: group('{maxFps?, logLines?}', { maxFps: whole(1), logLines: whole(1) }),
    trustRules: { type: 'array', items: trustRule, title: 'a list of rules' },
    logs: group('{maxSize?, maxFiles?}', { maxSize: text, maxFiles: whole(1, 100) }),
    dataRootWarnPercent: { type: 'number', minimum: 0, maximum: 100, title: 'a percentage from 0 to 100' },
    files: group('{maxEntries?, maxBytes?, maxRatio?}', { maxEntries: whole(1), maxBytes: whole(1), maxRatio: positive }),
    deploy: group('{keepRevisions?, mode?}', { keepRevisions: whole(1), mode: { enum: ['auto', 'engine', 'swarm'], title: '"auto", "engine" or "swarm"' } }),
    proxy: group('{bind?}', { bind: text }),
    ports: group('{defaultHost?}', { defaultHost: text }),
    api: group('{tokenRate?, tokenBurst?, tokenConcurrency?}', { tokenRate: positive, tokenBurst: whole(1), tokenConcurrency: whole(1) }),
    // conf's own bookkeeping (migrations), written by conf when it has any.
    __internal__: { type: 'object' },
  },
} as const;
