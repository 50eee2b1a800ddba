// The engine's full inspect document of one container by id, with secrets in env and command masked before it
// leaves the library (used where the dashboard needs raw fields such as State.StartedAt).
import type Docker from 'dockerode';
import type { Runtime } from '../core/index.js';

export async function inspectContainer(rt: Runtime, id: string, signal?: AbortSignal): Promise<Docker.ContainerInspectInfo> {
  const engine = await rt.engine();
  const info = await engine.call(`inspect container ${id.slice(0, 12)}`, (d) => d.getContainer(id).inspect({ abortSignal: signal } as object));
  return {
    ...info,
    Args: info.Args?.map((a) => rt.mask.text(a)),
    Config: { ...info.Config, Env: rt.mask.env(info.Config?.Env ?? []), Cmd: info.Config?.Cmd?.map((a) => rt.mask.text(a)) },
  };
}
