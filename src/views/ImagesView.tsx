// The Images view: the selected room's images (a toggles every image on the engine) with size, created and the
// containers using each; the image under the cursor's names, labels and history beside the list on a wide screen,
// full screen on enter. p pulls (a progress line), t tags, d deletes after a confirmation, b builds a directory
// with its output streaming full screen (x stops it on the engine).
import React, { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box } from 'ink';
import { Text } from './Text.js';
import { ALL_ROOMS } from '../app/dashboard-store.js';
import path from 'node:path';
import { ImagesStore, type BuildState, type ImagesSnapshot } from '../app/images-store.js';
import type { Command, KeyContext } from '../app/keymap.js';
import { useDashboardState } from '../app/use-dashboard.js';
import { useKept } from '../app/use-kept.js';
import { listMove, type DashboardView, type ViewApi, type ViewProps } from '../app/view-layout.js';
import { formatAge, formatBytes, shortId, truncate } from '../runtime/core/index.js';
import type { ImageDetail, ImageSummary } from '../runtime/images/index.js';

export interface ImageRow {
  ref: string;
  image: ImageSummary;
}

/** One row per name, as docker images shows them; a dangling image is one <none> row. */
export function imageRows(images: readonly ImageSummary[], filter = ''): ImageRow[] {
  const needle = filter.trim().toLowerCase();
  const rows = images.flatMap((image) => (image.tags.length ? image.tags.map((ref) => ({ ref, image })) : [{ ref: '<none>:<none>', image }]));
  if (!needle) return rows;
  return rows.filter((r) => [r.ref, r.image.id, ...Object.entries(r.image.labels).map(([k, v]) => `${k}=${v}`)].some((v) => v.toLowerCase().includes(needle)));
}

/** Below this width the detail does not fit beside the list: the list takes the screen, enter opens the detail. */
export const IMAGES_SPLIT_MIN_COLUMNS = 120;

interface UiState {
  cursor: number;
  filter: string;
  /** What takes the whole body: the image under the cursor, or the dashboard's build. */
  zoom?: 'detail' | 'build';
  all: boolean;
  scroll: number;
}

const initialUi: UiState = { cursor: 0, filter: '', all: false, scroll: 0 };

export interface ImagesData {
  snap: ImagesSnapshot;
  rows: ImageRow[];
  cursor: number;
  current?: ImageRow;
  ui: UiState;
  setUi: (change: Partial<UiState>) => void;
  uiNow: () => UiState;
  store: ImagesStore;
  room?: string;
  split: boolean;
}

function useImagesData(api: ViewApi, size: { width: number; height: number }): ImagesData {
  const state = useDashboardState(api.store);
  // The store outlives a visit, so a pull or build started here goes on while another view is shown.
  const store = useMemo(() => api.keep('images-store', () => new ImagesStore(api.rt, api.store.events)).get(), [api]);
  useEffect(() => {
    store.setActive(true);
    return () => store.setActive(false);
  }, [store]);
  const snap = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [ui, setUiState, uiNow] = useKept<UiState>(api, 'images', () => initialUi);
  const setUi = useCallback((change: Partial<UiState>) => setUiState({ ...uiNow(), ...change }), [setUiState, uiNow]);
  const room = state.selectedRoom && state.selectedRoom !== ALL_ROOMS ? state.selectedRoom : undefined;
  useEffect(() => store.setScope(room, ui.all), [store, room, ui.all]);
  const rows = useMemo(() => imageRows(snap.images, ui.filter), [snap.images, ui.filter]);
  const cursor = Math.min(ui.cursor, Math.max(0, rows.length - 1));
  const current = rows[cursor];
  const split = !ui.zoom && size.width >= IMAGES_SPLIT_MIN_COLUMNS;
  const detailShown = split || ui.zoom === 'detail';
  useEffect(() => {
    if (detailShown && current) void store.loadDetail(current.image.id);
  }, [store, detailShown, current?.image.id]); // eslint-disable-line react-hooks/exhaustive-deps
  return { snap, rows, cursor, current, ui: { ...ui, cursor }, setUi, uiNow, store, room, split };
}

function contexts(data: ImagesData): KeyContext[] {
  if (data.ui.zoom === 'build') return ['image-build'];
  return data.ui.zoom ? ['image-detail'] : ['images'];
}

/** Border, title, header (and a pull line) take these rows. */
function listRows(height: number, pulling: boolean): number {
  return Math.max(1, height - 4 - (pulling ? 1 : 0));
}

export function detailLines(d: ImageDetail | undefined, row: ImageRow | undefined, error?: string): string[] {
  if (!row) return ['no image'];
  if (error) return [`cannot inspect ${row.ref}: ${error}`];
  if (!d) return [`${row.ref}`, 'loading…'];
  const labels = Object.entries(d.labels);
  return [
    `names     ${d.tags.join(', ') || '<none>'}`,
    `id        ${d.id}`,
    `digest    ${d.digests[0] ?? '-'}`,
    `size      ${formatBytes(d.size)}   created ${formatAge(d.created)}   ${d.os}/${d.architecture}`,
    `cmd       ${[...d.entrypoint, ...d.cmd].join(' ') || '-'}`,
    `rooms     ${d.rooms.join(', ') || '-'}`,
    `used by   ${d.usedBy.join(', ') || '-'}`,
    `layers    ${d.layers.length}`,
    '',
    `LABELS (${labels.length})`,
    ...(labels.length ? labels.map(([k, v]) => `  ${k}=${v}`) : ['  -']),
    '',
    `HISTORY (${d.history.length})`,
    ...d.history.map((h) => `  ${formatAge(h.created).padEnd(10)} ${formatBytes(h.size).padStart(8)}  ${h.createdBy.replace(/^\/bin\/sh -c #\(nop\) +/, '').replace(/\s+/g, ' ').trim()}`),
  ];
}

function ImageList({ data, width, height }: { data: ImagesData; width: number; height: number }) {
  const { snap, rows, cursor } = data;
  const visible = listRows(height, Boolean(snap.pull)) - (snap.build ? 1 : 0);
  const start = Math.min(Math.max(0, cursor - visible + 1), Math.max(0, rows.length - visible));
  const inner = Math.max(20, width - 4);
  const w = { id: 12, size: 8, created: 10, used: 7 };
  const wideEnough = inner >= 60;
  const name = Math.max(8, inner - (wideEnough ? w.id + w.size + w.created + w.used + 4 : w.size + 1));
  const line = (cells: string[]) =>
    wideEnough
      ? [truncate(cells[0]!, name).padEnd(name), cells[1]!.padEnd(w.id), cells[2]!.padStart(w.size), cells[3]!.padEnd(w.created), cells[4]!].join(' ')
      : [truncate(cells[0]!, name).padEnd(name), cells[2]!.padStart(w.size)].join(' ');
  const scope = data.ui.all || !data.room ? 'all images' : `room ${data.room}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Images <Text dimColor>({scope}: {new Set(rows.map((r) => r.image.id)).size}){data.ui.filter ? ` filter "${data.ui.filter}"` : ''} · a {data.ui.all ? 'room only' : 'all images'}</Text>
      </Text>
      {snap.build ? (
        <Text color={snap.build.error ? 'red' : snap.build.running ? 'yellow' : 'green'} wrap="truncate">
          {buildSummary(snap.build)} <Text dimColor>(B shows the output)</Text>
        </Text>
      ) : null}
      {snap.pull ? (
        <Text color={snap.pull.error ? 'red' : snap.pull.running ? 'yellow' : 'green'} wrap="truncate">
          {snap.pull.error ? `${snap.pull.line}: ${snap.pull.error}` : snap.pull.line}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate">
        {line(['IMAGE', 'ID', 'SIZE', 'CREATED', 'USED BY'])}
      </Text>
      {snap.error ? <Text color="red" wrap="truncate">{snap.error}</Text> : null}
      {!snap.error && snap.loaded && rows.length === 0 ? (
        <Text dimColor wrap="truncate">{data.ui.filter ? 'no image matches the filter' : 'no images here: p pulls one, berth build builds one'}</Text>
      ) : null}
      {!snap.loaded ? <Text dimColor wrap="truncate">loading…</Text> : null}
      {rows.slice(start, start + visible).map((r, i) => (
        <Text key={`${r.image.id}:${r.ref}`} inverse={start + i === cursor} wrap="truncate">
          {line([r.ref, shortId(r.image.id), formatBytes(r.image.size), formatAge(r.image.created), r.image.usedBy.length ? String(r.image.usedBy.length) : '-'])}
        </Text>
      ))}
    </Box>
  );
}

function ImageDetailPane({ data, width, height }: { data: ImagesData; width: number; height: number }) {
  const d = data.snap.detail?.id === data.current?.image.id ? data.snap.detail : undefined;
  const lines = detailLines(d?.detail, data.current, d?.error);
  const visible = Math.max(1, height - 3);
  const scroll = Math.min(data.ui.scroll, Math.max(0, lines.length - visible));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={data.ui.zoom ? 'cyan' : 'gray'} paddingX={1}>
      <Text bold wrap="truncate">
        {data.current?.ref ?? 'Image'} <Text dimColor>{data.ui.zoom ? '↑↓ scroll · t tag · d delete · esc back' : 'enter: full screen'}</Text>
      </Text>
      {lines.slice(scroll, scroll + visible).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}

export function buildSummary(b: BuildState): string {
  if (b.running) return `building ${b.tag}…${b.upload && b.lines.length === 0 ? ` ${b.upload}` : ''}`;
  if (b.error) return / cancelled$/.test(b.error) ? `build ${b.tag} cancelled` : `build ${b.tag} failed: ${b.error}`;
  return `built ${b.tag}`;
}

function BuildPane({ build, width, height }: { build?: BuildState; width: number; height: number }) {
  const visible = Math.max(1, height - 4);
  const lines = build ? [...(build.upload ? [build.upload] : []), ...build.lines] : ['no build yet: b starts one'];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold wrap="truncate">
        Build {build ? `${build.tag} from ${build.context}` : ''} <Text dimColor>{build?.running ? 'x stops it · esc back (it keeps going)' : 'esc back'}</Text>
      </Text>
      {lines.slice(-visible).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
      {build && !build.running ? (
        <Text color={build.error ? 'red' : 'green'} wrap="truncate">
          {buildSummary(build)}
        </Text>
      ) : null}
    </Box>
  );
}

function ImagesScreen({ data, width, height }: ViewProps<ImagesData>) {
  if (data.ui.zoom === 'build') return <BuildPane build={data.snap.build} width={width} height={height} />;
  if (data.ui.zoom) return <ImageDetailPane data={data} width={width} height={height} />;
  if (!data.split) return <ImageList data={data} width={width} height={height} />;
  const left = Math.floor(width * 0.55);
  return (
    <Box flexDirection="row" width={width} height={height}>
      <ImageList data={data} width={left} height={height} />
      <ImageDetailPane data={data} width={width - left} height={height} />
    </Box>
  );
}

function runImages(command: Command, data: ImagesData, api: ViewApi): boolean | void {
  const ui = data.uiNow();
  const rows = imageRows(data.store.getSnapshot().images, ui.filter);
  const at = Math.min(ui.cursor, Math.max(0, rows.length - 1));
  const current = rows[at];
  const status = (text: string, tone: 'info' | 'ok' | 'error' = 'info') => api.status({ text, tone });
  const page = Math.max(1, listRows(api.size().rows - 3, false) - 1);
  const move = (to: number) => data.setUi({ cursor: Math.min(Math.max(0, to), Math.max(0, rows.length - 1)), scroll: 0 });
  const scrollBy = (n: number) => data.setUi({ scroll: Math.max(0, ui.scroll + n) });
  const to = ui.zoom ? undefined : listMove(command, at, rows.length, page);
  if (to !== undefined) return move(to);
  switch (command) {
    case 'up':
    case 'down':
      return scrollBy(command === 'up' ? -1 : 1);
    case 'page-up':
    case 'page-down':
      return scrollBy(command === 'page-up' ? -page : page);
    case 'top':
      return data.setUi({ scroll: 0 });
    case 'bottom':
      return data.setUi({ scroll: 1_000_000 });
    case 'open':
      if (!current) return status('no image to open', 'error');
      return data.setUi({ zoom: 'detail', scroll: 0 });
    case 'back':
      if (ui.zoom) return data.setUi({ zoom: undefined });
      if (ui.filter) return data.setUi({ filter: '', cursor: 0 });
      return false;
    case 'filter':
      return api.prompt({
        label: 'filter',
        initial: ui.filter,
        onChange: (text) => data.setUi({ filter: text, cursor: 0 }),
        onSubmit: (text) => data.setUi({ filter: text, cursor: 0 }),
        onCancel: () => data.setUi({ filter: '', cursor: 0 }),
      });
    case 'toggle-all':
      data.setUi({ all: !ui.all, cursor: 0 });
      return status(ui.all ? `images of ${data.room ?? 'every room'}` : 'every image on the engine');
    case 'pull':
      if (data.store.getSnapshot().pull?.running) return status('a pull is already running', 'error');
      return api.prompt({
        label: 'pull image',
        onSubmit: (ref) => {
          const text = ref.trim();
          if (!text) return status('pull cancelled');
          status(`pulling ${text}…`);
          void data.store.pull(text).then((s) => status(s.error ? `pull ${text}: ${s.error}` : s.line, s.error ? 'error' : 'ok'));
        },
        onCancel: () => status('pull cancelled'),
      });
    case 'tag': {
      if (!current) return status('no image to tag', 'error');
      const source = current.ref === '<none>:<none>' ? current.image.id : current.ref;
      return api.prompt({
        label: `tag ${truncate(source, 40)} as`,
        onSubmit: (target) => {
          const text = target.trim();
          if (!text) return status('tag cancelled');
          data.store.tag(source, text).then(
            (r) => status(`tagged ${source} as ${r.ref}`, 'ok'),
            (err: Error) => status(err.message, 'error'),
          );
        },
        onCancel: () => status('tag cancelled'),
      });
    }
    case 'delete': {
      if (!current) return status('no image to delete', 'error');
      const ref = current.ref === '<none>:<none>' ? current.image.id : current.ref;
      const users = current.image.usedBy;
      const others = current.image.rooms.filter((r) => r !== data.room);
      return api.confirm({
        title: `Delete ${truncate(ref, 60)}?`,
        lines: [
          `  ${shortId(current.image.id)}  ${formatBytes(current.image.size)}  created ${formatAge(current.image.created)}`,
          users.length ? `Used by ${users.length} container${users.length === 1 ? '' : 's'} (${users.slice(0, 3).join(', ')}): deleted anyway (--force).` : 'No container uses it.',
          others.length && !ui.all ? `Also held by room${others.length === 1 ? '' : 's'} ${others.join(', ')}: kept for ${others.length === 1 ? 'it' : 'them'}.` : 'This cannot be undone.',
        ],
        onYes: () => {
          if (ui.zoom) data.setUi({ zoom: undefined });
          status(`deleting ${ref}…`);
          data.store.delete(ref, users.length > 0).then(
            (r) => status(r.deleted ? `deleted ${ref}` : r.untagged.length ? `untagged ${r.untagged.join(', ')}` : `removed ${ref} from the room${r.keptFor.length ? `; kept for ${r.keptFor.join(', ')}` : ''}`, 'ok'),
            (err: Error) => status(err.message, 'error'),
          );
        },
        onNo: () => status('delete cancelled'),
      });
    }
    case 'build': {
      if (data.store.getSnapshot().build?.running) return data.setUi({ zoom: 'build' });
      const start = (context: string, tag: string) => {
        data.setUi({ zoom: 'build' });
        void data.store.build(context, tag).then((b) => status(buildSummary(b), b.error ? 'error' : 'ok'));
      };
      return api.prompt({
        label: `build context directory (empty: ${truncate(process.cwd(), 40)})`,
        initial: data.store.getSnapshot().build?.context ?? '',
        onSubmit: (dir) => {
          const context = path.resolve(dir.trim() || '.');
          api.prompt({
            label: `tag for ${truncate(context, 40)}`,
            initial: data.store.getSnapshot().build?.tag ?? '',
            onSubmit: (tag) => (tag.trim() ? start(context, tag.trim()) : status('build cancelled')),
            onCancel: () => status('build cancelled'),
          });
        },
        onCancel: () => status('build cancelled'),
      });
    }
    case 'show-build':
      return data.setUi({ zoom: 'build' });
    case 'cancel-build':
      if (!data.store.cancelBuild()) return status('no build is running');
      return status('stopping the build…');
    default:
      return false;
  }
}

export const imagesView: DashboardView<ImagesData> = {
  id: 'images',
  title: 'Images',
  aliases: ['img', 'image'],
  contexts,
  useData: useImagesData,
  Component: ImagesScreen,
  run: runImages,
};
