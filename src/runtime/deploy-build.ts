// deploy PATH: build the image from a directory first, through the images module's buildImage.
import fs from 'node:fs';
import type { DeployCallbacks } from './deploy.js';
import type { DeploySpec } from './deploy-spec.js';
import { BerthError, UsageError } from './errors.js';
import type { Runtime } from './runtime.js';

export async function buildForDeploy(_rt: Runtime, spec: DeploySpec, dir: string, _cb: DeployCallbacks): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new UsageError(`invalid PATH "${dir}": no such directory`);
  }
  if (!st.isDirectory()) throw new UsageError(`invalid PATH "${dir}": not a directory`);
  throw new BerthError(`deploy PATH needs the image build module, which is not on this branch yet: build ${spec.image} with docker build and deploy the tag`);
}
