// What the containers view shows, derived from the dashboard state and the view's UI state: the filtered rows, the
// cursor row, the zoomed container, and where everything goes on screen. Shared by the view and its commands.
import type { DashboardState } from '../app/dashboard-store.js';
import type { FilesBrowser, FilesSnapshot } from '../app/files-browser.js';
import type { LogSnapshot, LogStore } from '../app/log-store.js';
import type { StatsSnapshot } from '../app/stats-store.js';
import type { UiAction, UiState } from '../app/ui-state.js';
import type { ContainerDetail as Detail, ContainerSummary } from '../runtime/containers/index.js';

export function filterContainers(containers: ContainerSummary[], filter: string): ContainerSummary[] {
  const needle = filter.trim().toLowerCase();
  if (!needle) return containers;
  return containers.filter((c) =>
    [c.name, c.image, c.state, c.status, c.agent, c.role, c.room, ...(c.tags ?? [])].some((v) => v?.toLowerCase().includes(needle)),
  );
}

/** The cursor's row: where its container is now, else as close as possible to where it was. */
function locateCursor(rows: ContainerSummary[], id: string | undefined, index: number): number {
  const at = id ? rows.findIndex((c) => c.id === id) : -1;
  return at >= 0 ? at : Math.min(index, Math.max(0, rows.length - 1));
}

/** What the UI state points at in the dashboard state: the filtered rows, the cursor row, the zoomed container. */
export function derive(ui: UiState, state: DashboardState) {
  const filtered = filterContainers(state.containers, ui.filter);
  const cursor = locateCursor(filtered, ui.cursorId, ui.cursorIndex);
  const current = filtered[cursor] as ContainerSummary | undefined;
  const zoomed = ui.zoom ? state.containers.find((c) => c.id === ui.zoom) : undefined;
  return { room: state.selectedRoom, filtered, cursor, current, zoomed };
}

/** Below this width the right-hand pane does not fit beside the table: the list takes the screen, enter zooms. */
export const SPLIT_MIN_COLUMNS = 120;

/** Where everything goes for a body of this size. */
export function containersLayout(width: number, height: number, roomCount: number, zoomed: boolean) {
  const split = !zoomed && width >= SPLIT_MIN_COLUMNS;
  const leftWidth = split ? Math.floor(width * 0.5) : width;
  // Split: rooms stacked above the table (lazydocker's side panels); narrow: rooms beside the table.
  const roomRows = split ? Math.min(roomCount + (roomCount > 1 ? 3 : 4), Math.max(5, Math.floor(height / 3))) : height;
  const roomWidth = split ? leftWidth : Math.min(32, Math.max(18, Math.floor(width * 0.25)));
  const tableHeight = split ? Math.max(5, height - roomRows) : height;
  const tableWidth = split ? leftWidth : width - roomWidth;
  const paneWidth = zoomed ? width : width - leftWidth;
  // Inside the pane's border, header and tab bar.
  const contentHeight = Math.max(1, height - 4);
  const contentWidth = Math.max(10, paneWidth - 4);
  return { split, leftWidth, roomRows, roomWidth, tableHeight, tableWidth, paneWidth, contentHeight, contentWidth };
}

export interface ContainersData {
  state: DashboardState;
  ui: UiState;
  dispatch: (action: UiAction) => void;
  uiNow: () => UiState;
  logs: LogStore;
  logSnap: LogSnapshot;
  statsSnap: StatsSnapshot;
  info: { detail?: Detail; error?: string };
  now: number;
  layout: ReturnType<typeof containersLayout>;
  /** The container the right-hand pane (or the zoomed screen) shows. */
  paneTarget?: ContainerSummary;
  filtered: ContainerSummary[];
  cursor: number;
  files: FilesBrowser;
  filesSnap: FilesSnapshot;
}

