// Access to the API server: its users (HTTP Basic), stored hashed, added and removed by a person.
export { type ApiUser, ApiUserVerifier, addApiUser, listApiUsers, removeApiUser, validatePassword, validateUserName } from './api-users.js';
export {
  type ApiToken,
  type CreateTokenOptions,
  type TokenCheck,
  type TokenGrant,
  ALL_ROOMS,
  DEFAULT_GRANTS,
  TokenVerifier,
  createToken,
  grantAllows,
  hashToken,
  listTokens,
  parseGrants,
  revokeToken,
} from './tokens.js';
export {
  type ServerState,
  type ServerStateBody,
  SERVER_STATE_STALE_MS,
  clearServerState,
  publishServerState,
  readServerStates,
} from './server-state.js';
