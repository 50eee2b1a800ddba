// The services: deploy specs and state, the rollout (engine or Swarm), image mounts and the local reverse proxy.
export { CLEARABLE, type DeployOptions, deployArgs, serviceNameFromTag, toDeploySpec } from './deploy-spec.js';
export { DeployState } from './deploy-state.js';
export { overlayNetworkName, swarmServiceName } from './deploy-swarm.js';
export { DeployService } from './deploy.js';
export { serviceLogBatches } from './service-logs.js';
export { ServiceProxy, parseBind } from './proxy.js';
export { deleteRoom } from './room-delete.js';
export {
  type DeployEvent,
  DeployFailedError,
  type DeployResult,
  type RevisionSummary,
  type ServiceSummary,
} from './revision.js';
