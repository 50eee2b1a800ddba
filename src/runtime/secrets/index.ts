// The secrets: the secrets store (one 0600 file per secret).
export { type SecretInfo, SecretStore, redactValues, validateSecretName } from './secrets.js';
