// Access to the API server: its users (HTTP Basic), stored hashed, added and removed by a person.
export { type ApiUser, ApiUserVerifier, addApiUser, listApiUsers, removeApiUser, validatePassword, validateUserName } from './api-users.js';
