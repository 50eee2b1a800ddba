// The dashboard's UI state (which view, cursor, filter, selection, modal, text input, status line, log scroll)
// changed only through one reducer with discriminated-union actions.
//
// Extending the dashboard with a new view (e.g. exec sessions): add a member to `View`, a case to App's view switch
// (render + key context), and its bindings to keymap.ts with a new KeyContext. Open it with
// `{ type: 'open-view', view: { kind: 'sessions' } }`; `back` returns to the rooms view.
import type { StatusMessage } from './actions.js';
import type { ContainerSummary } from '../runtime/containers.js';

export type Tab = 'logs' | 'stats' | 'info';
export const TABS: readonly Tab[] = ['logs', 'stats', 'info'];

export type View = { kind: 'rooms' } | { kind: 'container'; id: string } | { kind: 'sessions' };

export type Modal = { kind: 'confirm-delete'; targets: ContainerSummary[] };

export interface TextInput {
  kind: 'filter' | 'search';
  text: string;
}

export interface UiState {
  view: View;
  /** Which pane of the rooms view has the keys. */
  pane: 'rooms' | 'table';
  /** The container under the cursor, by id so rows arriving from events never move it onto another container. */
  cursorId?: string;
  /** Where the cursor was, to land nearby when its container disappears. */
  cursorIndex: number;
  tab: Tab;
  filter: string;
  selected: ReadonlySet<string>;
  help: boolean;
  modal?: Modal;
  input?: TextInput;
  status?: StatusMessage;
  /** Log scroll: null follows the newest line, else the sequence number of the bottom line shown. */
  logAnchor: number | null;
  logSearch: string;
  logTimestamps: boolean;
  infoScroll: number;
  /** Row of the Sessions view. */
  sessionCursor: number;
}

export const initialUiState: UiState = {
  view: { kind: 'rooms' },
  pane: 'rooms',
  cursorIndex: 0,
  tab: 'logs',
  filter: '',
  selected: new Set(),
  help: false,
  logAnchor: null,
  logSearch: '',
  logTimestamps: false,
  infoScroll: 0,
  sessionCursor: 0,
};

export type UiAction =
  | { type: 'focus-pane'; pane: UiState['pane'] }
  | { type: 'cursor'; id?: string; index: number }
  | { type: 'open-view'; view: View }
  | { type: 'back' }
  | { type: 'tab'; tab: Tab }
  | { type: 'help'; open: boolean }
  | { type: 'toggle-select'; id: string }
  | { type: 'clear-selection' }
  | { type: 'clear-filter' }
  | { type: 'input-open'; kind: TextInput['kind'] }
  | { type: 'input-text'; text: string }
  | { type: 'input-close'; apply: boolean }
  | { type: 'modal'; modal?: Modal }
  | { type: 'status'; status?: StatusMessage }
  | { type: 'log-anchor'; anchor: number | null }
  | { type: 'log-timestamps' }
  | { type: 'info-scroll'; to: number }
  | { type: 'room-changed' }
  | { type: 'session-cursor'; index: number };

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'focus-pane':
      return { ...state, pane: action.pane };
    case 'cursor':
      return { ...state, cursorId: action.id, cursorIndex: action.index };
    case 'open-view':
      return { ...state, view: action.view, logAnchor: null, infoScroll: 0, input: undefined };
    case 'back':
      return { ...state, view: { kind: 'rooms' }, pane: 'table', input: undefined };
    case 'tab':
      return { ...state, tab: action.tab };
    case 'help':
      return { ...state, help: action.open };
    case 'toggle-select': {
      const selected = new Set(state.selected);
      if (!selected.delete(action.id)) selected.add(action.id);
      return { ...state, selected };
    }
    case 'clear-selection':
      return state.selected.size ? { ...state, selected: new Set() } : state;
    case 'clear-filter':
      return state.filter ? { ...state, filter: '' } : state;
    case 'input-open':
      return { ...state, input: { kind: action.kind, text: action.kind === 'filter' ? state.filter : state.logSearch } };
    case 'input-text':
      if (!state.input) return state;
      // The table filter applies as it is typed; a log search applies on enter.
      return {
        ...state,
        input: { ...state.input, text: action.text },
        ...(state.input.kind === 'filter' ? { filter: action.text } : {}),
      };
    case 'input-close': {
      const input = state.input;
      if (!input) return state;
      if (input.kind === 'filter') return { ...state, input: undefined, filter: action.apply ? input.text : '' };
      return { ...state, input: undefined, ...(action.apply ? { logSearch: input.text } : {}) };
    }
    case 'modal':
      return { ...state, modal: action.modal };
    case 'status':
      return { ...state, status: action.status };
    case 'log-anchor':
      return { ...state, logAnchor: action.anchor };
    case 'log-timestamps':
      return { ...state, logTimestamps: !state.logTimestamps };
    case 'info-scroll':
      return { ...state, infoScroll: Math.max(0, action.to) };
    case 'session-cursor':
      return { ...state, sessionCursor: Math.max(0, action.index) };
    case 'room-changed':
      return { ...state, cursorId: undefined, cursorIndex: 0, selected: new Set(), filter: '', input: undefined };
    default: {
      const never: never = action;
      return never;
    }
  }
}
