// The engine's full inspect document of one container by id, with secret-looking env values masked before it
// leaves the library (used where the dashboard needs raw fields such as State.StartedAt).
import type Docker from 'dockerode';
import { maskSecrets } from './audit.js';
import type { Runtime } from './runtime.js';

export async function inspectContainer(rt: Runtime, id: string, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo> {
  const engine = await rt.engine();
  const info = await engine.call(`inspect container ${id.slice(0, 12)}`, (d) => d.getContainer(id).inspect({ abortSignal: signal } as object));
  return { ...info, Config: { ...info.Config, Env: maskSecrets(info.Config?.Env ?? []) as string[] } };
}
