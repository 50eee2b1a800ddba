// deploy PATH: build the image from a directory first (the images module's buildImage), tagged with --tag.
import fs from 'node:fs';
import type { DeployCallbacks } from './revision.js';
import type { DeploySpec } from './deploy-spec.js';
import { buildImage } from '../images/index.js';
import { CancelledError, UsageError, type Runtime } from '../core/index.js';

export async function buildForDeploy(rt: Runtime, spec: DeploySpec, dir: string, cb: DeployCallbacks): Promise<{ id: string }> {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new UsageError(`invalid PATH "${dir}": no such directory`);
  }
  if (!st.isDirectory()) throw new UsageError(`invalid PATH "${dir}": not a directory`);
  cb.onEvent?.({ service: spec.name, phase: 'pull', message: `building ${spec.image} from ${dir}` });
  let partial = '';
  const result = await buildImage(rt, {
    room: spec.room,
    context: dir,
    tag: spec.image,
    labels: { 'berth.room': spec.room, 'berth.service': spec.name },
    signal: cb.signal,
    onEvent: (e) => {
      if (e.type !== 'output' || !cb.onBuild) return;
      // The engine's stream cuts lines anywhere: hand on whole lines only.
      partial += e.text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) cb.onBuild(line.replace(/\r/g, ''));
    },
  });
  if (partial.trim()) cb.onBuild?.(partial);
  if (cb.signal?.aborted) throw new CancelledError();
  return { id: result.id };
}
