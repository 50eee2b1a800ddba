// The Services view: the room's services (replicas running/desired, health, revision), the selected one's deploy
// history and live logs; R rolls it back and d removes it, each after a confirmation.
import React, { useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import type { Command } from '../app/keymap.js';
import { listMove, type DashboardView, type ViewApi } from '../app/view-layout.js';
import { ServicesStore, type DeployRun, type ServicesSnapshot } from '../app/services-store.js';
import { useKept } from '../app/use-kept.js';
import { DeployService } from '../runtime/services/index.js';
import { formatAge, formatPorts, truncate, plural } from '../runtime/core/index.js';

export type { DeployRun, ServicesSnapshot };

function healthColor(health: string): string {
  if (health === 'healthy' || health === 'running') return 'green';
  if (health === 'starting' || health === 'updating' || health === 'degraded') return 'yellow';
  return 'red';
}

export function ServicesPanel({ snap, cursor, width, height }: { snap: ServicesSnapshot; cursor: number; width: number; height: number }) {
  const services = snap.services ?? [];
  const wide = width >= 120;
  const listWidth = wide ? Math.floor(width * 0.45) : width;
  const listHeight = wide ? height : Math.max(5, Math.floor(height * 0.45));
  const inner = Math.max(20, listWidth - 4);
  const row = (s: { name: string; replicas: string; health: string; rev: string }) =>
    `${truncate(s.name, Math.max(8, inner - 30)).padEnd(Math.max(8, inner - 30))} ${s.replicas.padEnd(8)} ${s.rev.padEnd(5)} ${s.health}`;
  const selected = services[cursor];
  const detailHeight = wide ? height : height - listHeight;
  const historyRows = Math.min(snap.history.length, 5);
  const logRows = Math.max(0, detailHeight - historyRows - 5);
  return (
    <Box flexDirection={wide ? 'row' : 'column'} width={width} height={height}>
      <Box flexDirection="column" width={listWidth} height={listHeight} borderStyle="round" borderColor="cyan" paddingX={1}>
        <Text bold wrap="truncate">
          Services in {snap.room ?? '-'} <Text dimColor>({services.length}) D deploy · R rollback · d remove</Text>
        </Text>
        {snap.deploy ? (
          <Text color={snap.deploy.error ? 'red' : snap.deploy.running ? 'yellow' : 'green'} wrap="truncate">
            {deploySummary(snap.deploy)} <Text dimColor>(O shows the output)</Text>
          </Text>
        ) : null}
        <Text dimColor wrap="truncate">{row({ name: 'NAME', replicas: 'REPLICAS', rev: 'REV', health: 'HEALTH' })}</Text>
        {snap.services === undefined ? <Text dimColor>loading…</Text> : null}
        {snap.services?.length === 0 ? <Text dimColor wrap="truncate">no services: berth deploy --tag IMAGE creates one</Text> : null}
        {services.slice(0, Math.max(1, listHeight - 4)).map((s, i) => (
          <Text key={s.name} inverse={i === cursor} wrap="truncate">
            {row({ name: s.name, replicas: `${s.running}/${s.desired}`, rev: s.revision !== null ? `r${s.revision}` : '-', health: '' })}
            <Text color={healthColor(s.health)}>{s.health}</Text>
          </Text>
        ))}
        {snap.error ? <Text color="red" wrap="truncate">{snap.error}</Text> : null}
      </Box>
      <Box flexDirection="column" flexGrow={1} height={detailHeight} borderStyle="round" borderColor="gray" paddingX={1}>
        {selected ? (
          <>
            <Text bold wrap="truncate">
              {selected.name} <Text dimColor>{selected.image} · {selected.mode} · {formatPorts(selected.ports) || 'no ports'}{selected.domain ? ` · ${selected.domain}` : ''}</Text>
            </Text>
            <Text dimColor wrap="truncate">deploy history</Text>
            {snap.history.slice(0, historyRows).map((h) => (
              <Text key={h.revision} wrap="truncate" color={h.status === 'active' ? 'green' : h.status === 'failed' || h.status === 'interrupted' ? 'red' : undefined}>
                r{h.revision} {h.status.padEnd(11)} {formatAge(h.created)} {h.rollbackOf !== null ? `(rollback to r${h.rollbackOf}) ` : ''}{h.message ?? ''}
              </Text>
            ))}
            <Text dimColor wrap="truncate">logs</Text>
            {snap.logs.slice(-logRows).map((l, i) => (
              <Text key={i} wrap="truncate">
                {l}
              </Text>
            ))}
          </>
        ) : (
          <Text dimColor>select a service</Text>
        )}
      </Box>
    </Box>
  );
}

interface ServicesData {
  store: ServicesStore;
  snap: ServicesSnapshot;
  cursor: number;
  setCursor(i: number): void;
  /** The deploy's output takes the whole body. */
  zoom: boolean;
  setZoom(zoom: boolean): void;
}

function useServicesData(api: ViewApi): ServicesData {
  // Kept across visits: a deploy started here goes on while another view is shown.
  const store = useMemo(() => api.keep('services-store', () => new ServicesStore(api.rt, api.store.events)).get(), [api]);
  const room = useSyncExternalStore(api.store.subscribe, () => api.store.getSnapshot().selectedRoom);
  useEffect(() => {
    store.start(room);
  }, [store, room]);
  useEffect(() => () => store.stop(), [store]);
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [cursor, setCursor] = useKept(api, 'services', () => 0);
  const [zoom, setZoom] = useKept(api, 'services-zoom', () => false);
  const count = snap.services?.length ?? 0;
  const at = Math.min(cursor, Math.max(0, count - 1));
  const name = snap.services?.[at]?.name;
  useEffect(() => store.select(name), [store, name]);
  return { store, snap, cursor: at, setCursor, zoom, setZoom };
}

export function deploySummary(d: DeployRun): string {
  const what = d.service ?? 'service';
  if (d.running) return `deploying ${what} into ${d.room}…`;
  // The runtime's messages about a deploy already say so ("deploy of web revision 3 failed: ...").
  if (d.cancelled) return d.error?.startsWith('deploy of') ? d.error.replace(' cancelled', ' stopped') : `deploy of ${what} stopped`;
  if (d.error) return d.error.startsWith('deploy of') ? d.error : `deploy of ${what} failed: ${d.error}`;
  const r = d.result!;
  return r.previous !== null ? `updated ${r.name} to r${r.revision} (was r${r.previous})` : `created ${r.name} (r${r.revision})`;
}

function DeployPane({ deploy, width, height }: { deploy?: DeployRun; width: number; height: number }) {
  const lines = deploy ? [`$ berth deploy ${deploy.line}`, ...deploy.lines, ...(deploy.pull ? [deploy.pull] : [])] : ['no deploy yet: D starts one'];
  const visible = Math.max(1, height - 4);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Deploy {deploy ? `${deploy.service ?? ''} into ${deploy.room}` : ''}{' '}
        <Text dimColor>{deploy?.running ? 'x stops it · esc back (it keeps going)' : 'esc back'}</Text>
      </Text>
      {lines.slice(-visible).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
      {deploy && !deploy.running ? (
        <Text color={deploy.error ? 'red' : 'green'} wrap="truncate">
          {deploySummary(deploy)}
        </Text>
      ) : null}
    </Box>
  );
}

function runServices(command: Command, data: ServicesData, api: ViewApi): boolean | void {
  const services = data.store.getSnapshot().services ?? [];
  const at = Math.min(data.cursor, Math.max(0, services.length - 1));
  const move = (to: number) => data.setCursor(Math.min(Math.max(0, to), Math.max(0, services.length - 1)));
  const s = services[at];
  const to = listMove(command, at, services.length);
  if (to !== undefined) return move(to);
  switch (command) {
    case 'deploy': {
      if (data.store.getSnapshot().deploy?.running) return data.setZoom(true);
      return api.prompt({
        label: s ? `deploy (berth deploy options; ${s.name}'s spec filled in)` : 'deploy (berth deploy options: --tag IMAGE ...)',
        initial: s ? data.store.redeployLine(s.name) || `--tag ${s.image} --name ${s.name}` : '--tag ',
        onSubmit: (line) => {
          if (!line.trim()) return api.status({ text: 'deploy cancelled', tone: 'info' });
          data.setZoom(true);
          void data.store.deploy(line.trim()).then((d) => api.status({ text: deploySummary(d), tone: d.error ? 'error' : 'ok' }));
        },
        onCancel: () => api.status({ text: 'deploy cancelled', tone: 'info' }),
      });
    }
    case 'show-deploy':
      return data.setZoom(true);
    case 'back':
      if (!data.zoom) return false;
      return data.setZoom(false);
    case 'cancel-deploy':
      if (!data.store.cancelDeploy()) return api.status({ text: 'no deploy is running', tone: 'info' });
      return api.status({ text: 'stopping the deploy…', tone: 'info' });
    case 'rollback':
      if (!s) return;
      return api.confirm({
        title: `Roll back service ${s.name}?`,
        lines: [`revision r${s.revision ?? '-'} is replaced by the spec before it, without downtime`],
        onYes: () => {
          api.status({ text: `rolling back ${s.name}…`, tone: 'info' });
          new DeployService(api.rt)
            .rollback(s.room, s.name)
            .then((r) => api.status({ text: `rolled ${s.name} back to the spec of r${r.rollbackOf} as r${r.revision}`, tone: 'ok' }))
            .catch((err) => api.status({ text: api.rt.mask.text(`rollback of ${s.name} failed: ${(err as Error).message}`), tone: 'error' }))
            .finally(() => void data.store.reload());
        },
      });
    case 'delete':
      if (!s) return;
      return api.confirm({
        title: `Remove service ${s.name}?`,
        lines: [`its ${plural(s.running, 'running container')} stop and its deploy history is forgotten`],
        onYes: () => {
          new DeployService(api.rt)
            .remove(s.room, s.name)
            .then(() => api.status({ text: `removed service ${s.name}`, tone: 'ok' }))
            .catch((err) => api.status({ text: api.rt.mask.text(`remove ${s.name} failed: ${(err as Error).message}`), tone: 'error' }))
            .finally(() => void data.store.reload());
        },
      });
    default:
      return false;
  }
}

export const servicesView: DashboardView<ServicesData> = {
  id: 'services',
  title: 'Services',
  aliases: ['svc', 'deploy', 'deployments'],
  contexts: (data) => (data.zoom ? ['service-deploy'] : ['services']),
  useData: useServicesData,
  Component: ({ data, width, height }) =>
    data.zoom ? <DeployPane deploy={data.snap.deploy} width={width} height={height} /> : <ServicesPanel snap={data.snap} cursor={data.cursor} width={width} height={height} />,
  run: runServices,
};
