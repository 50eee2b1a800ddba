// The containers view's state (pane focus, cursor, zoomed container, tab, filter, selection, log scroll and search)
// changed only through one reducer with discriminated-union actions. Dashboard-wide state (history, help, modals,
// prompts, status line) lives in nav-state.ts.
export type Tab = 'logs' | 'stats' | 'info' | 'files';
export const TABS: readonly Tab[] = ['logs', 'stats', 'info', 'files'];

export interface UiState {
  /** Which pane of the list has the keys. */
  pane: 'rooms' | 'table';
  /** The container shown full screen (enter zooms the right-hand pane), if any. */
  zoom?: string;
  /** The container under the cursor, by id so rows arriving from events never move it onto another container. */
  cursorId?: string;
  /** Where the cursor was, to land nearby when its container disappears. */
  cursorIndex: number;
  tab: Tab;
  filter: string;
  selected: ReadonlySet<string>;
  /** Log scroll: null follows the newest line, else the sequence number of the bottom line shown. */
  logAnchor: number | null;
  logSearch: string;
  logTimestamps: boolean;
  infoScroll: number;
}

/** The dashboard starts on the selected room's containers: their keys (e, s, x, r…) work from the first keypress. */
export const initialUiState: UiState = {
  pane: 'table',
  cursorIndex: 0,
  tab: 'logs',
  filter: '',
  selected: new Set(),
  logAnchor: null,
  logSearch: '',
  logTimestamps: false,
  infoScroll: 0,
};

export type UiAction =
  | { type: 'focus-pane'; pane: UiState['pane'] }
  | { type: 'cursor'; id?: string; index: number }
  | { type: 'zoom'; id: string }
  | { type: 'unzoom' }
  | { type: 'tab'; tab: Tab }
  | { type: 'toggle-select'; id: string }
  | { type: 'clear-selection' }
  | { type: 'filter'; text: string }
  | { type: 'log-search'; text: string }
  | { type: 'log-anchor'; anchor: number | null }
  | { type: 'log-timestamps' }
  | { type: 'info-scroll'; to: number }
  | { type: 'room-changed' };

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'focus-pane':
      return { ...state, pane: action.pane };
    case 'cursor':
      if (state.cursorId === action.id && state.cursorIndex === action.index) return state;
      // A new container in the right-hand pane starts at its newest log line.
      return { ...state, cursorId: action.id, cursorIndex: action.index, logAnchor: null, infoScroll: 0 };
    case 'zoom':
      return { ...state, zoom: action.id, pane: 'table' };
    case 'unzoom':
      return { ...state, zoom: undefined, pane: 'table' };
    case 'tab':
      return { ...state, tab: action.tab };
    case 'toggle-select': {
      const selected = new Set(state.selected);
      if (!selected.delete(action.id)) selected.add(action.id);
      return { ...state, selected };
    }
    case 'clear-selection':
      return state.selected.size ? { ...state, selected: new Set() } : state;
    case 'filter':
      return state.filter === action.text ? state : { ...state, filter: action.text };
    case 'log-search':
      return { ...state, logSearch: action.text };
    case 'log-anchor':
      return { ...state, logAnchor: action.anchor };
    case 'log-timestamps':
      return { ...state, logTimestamps: !state.logTimestamps };
    case 'info-scroll':
      return { ...state, infoScroll: Math.max(0, action.to) };
    case 'room-changed':
      return { ...state, cursorId: undefined, cursorIndex: 0, selected: new Set(), filter: '', zoom: undefined };
    default: {
      const never: never = action;
      return never;
    }
  }
}
