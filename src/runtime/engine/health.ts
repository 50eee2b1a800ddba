// Engine health: reachable, versions, swarm state, uptime, and where berth keeps its data.
import fs from 'node:fs';
import { dataRootUsage, engineIsLocal, type DataRootUsage } from '../rooms/index.js';
import { EngineUnreachableError, type Runtime, berthVersion } from '../core/index.js';

export { berthVersion };

export interface HealthReport {
  engine: { endpoint: string; source: string; reachable: boolean; version?: string; apiVersion?: string; os?: string; error?: string };
  swarm: string;
  /** When the daemon started, where it can be known (a local daemon's process); the API has no uptime field. */
  engineStarted?: string;
  containers?: { total: number; running: number };
  /** The filesystem of the engine's data root, where it can be measured (a local engine). */
  dataRoot?: DataRootUsage & { warning?: string };
  berth: { version: string; dataDir: string; configDir: string };
}

export async function checkHealth(rt: Runtime): Promise<HealthReport> {
  const endpoint = await rt.endpoint();
  const berth = { version: berthVersion, dataDir: rt.paths.dataDir, configDir: rt.paths.configDir };
  const engine = await rt.engine();
  try {
    const [version, info] = await Promise.all([
      engine.call('version', (d) => d.version()),
      engine.call('info', (d) => d.info()),
    ]);
    return {
      engine: {
        endpoint: endpoint.url,
        source: endpoint.source,
        reachable: true,
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: `${version.Os}/${version.Arch}`,
      },
      swarm: (info as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }).Swarm?.ControlAvailable
        ? 'manager'
        : ((info as { Swarm?: { LocalNodeState?: string } }).Swarm?.LocalNodeState ?? 'inactive'),
      engineStarted: endpoint.url.startsWith('unix://') ? localDaemonStart() : undefined,
      containers: { total: info.Containers, running: info.ContainersRunning },
      dataRoot: engineIsLocal(endpoint.url) ? await dataRootReport(rt, (info as { DockerRootDir?: string }).DockerRootDir) : undefined,
      berth,
    };
  } catch (err) {
    return {
      // The cause alone: the report and the error line name the endpoint once themselves.
      engine: { endpoint: endpoint.url, source: endpoint.source, reachable: false, error: err instanceof EngineUnreachableError ? err.detail : (err as Error).message },
      swarm: 'unknown',
      berth,
    };
  }
}

async function dataRootReport(rt: Runtime, dir: string | undefined): Promise<HealthReport['dataRoot']> {
  const usage = dataRootUsage(dir);
  if (!usage) return undefined;
  const limit = await rt.setting('dataRootWarnPercent');
  return usage.usedPercent >= limit
    ? { ...usage, warning: `the engine's data root ${usage.path} is ${usage.usedPercent}% full (warning at ${limit}%): containers' logs and layers may fill it and stop dockerd` }
    : usage;
}

/** Start time of a local dockerd from its pid file and /proc (Linux); undefined where that cannot be read. */
function localDaemonStart(): string | undefined {
  try {
    const pid = fs.readFileSync('/var/run/docker.pid', 'utf8').trim();
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22 of /proc/PID/stat, counted after the command name
    const bootTime = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(startTicks) || !Number.isFinite(bootTime)) return undefined;
    return new Date((bootTime + startTicks / 100) * 1000).toISOString(); // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
