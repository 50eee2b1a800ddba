// The plugins: plugin releases (code@version), their manifests and runs.
export { runPlugin } from './plugin-run.js';
export { ParamsError, PLUGIN_RELEASE_LABEL, type PluginRelease, PluginService, validateParams } from './plugins.js';
