// The plugins: plugin releases (code@version), their manifests and runs.
export { runPlugin } from './plugin-run.js';
export { ParamsError, type PluginRelease, PluginService, validateParams } from './plugins.js';
