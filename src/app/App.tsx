// The dashboard root: the header (tabs, badges, engine state), the active view from the registry, the status line
// and footer, and the one keypress dispatcher (modal first, then text input, then the view, then global keys),
// all driven by the key table in keymap.ts. It knows no view by name: views come from view-registry.ts.
import { plural } from '../runtime/core/index.js';
import React, { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from '../views/Text.js';
import { ConfirmModal } from '../views/ConfirmModal.js';
import { HelpOverlay } from '../views/HelpOverlay.js';
import type { StatusMessage } from './actions.js';
import type { DashboardState, DashboardStore } from './dashboard-store.js';
import { footerText, keyLabel, keyName, resolveBinding, type Binding, type KeyContext } from './keymap.js';
import type { SessionManager } from './sessions.js';
import { useDashboardState, useTerminalSize } from './use-dashboard.js';
import { bodyHeight, type ConfirmRequest, type DashboardView, type PromptRequest, type ViewApi } from './view-layout.js';
import { completeView, matchViews, viewById, views } from './view-registry.js';

export interface AppProps {
  store: DashboardStore;
  endpoint: string;
  onQuit: () => void;
  /** Exec sessions; without it (component tests) `e` and the Sessions view say sessions are unavailable. */
  sessions?: SessionManager;
  /** The view to start on (a registry id); the first registered view by default. */
  initialView?: string;
}

/** The dashboard-wide state: the view history (last is active), help, a modal, a prompt, the status line. */
export interface NavState {
  history: string[];
  help: boolean;
  confirm?: ConfirmRequest;
  prompt?: PromptRequest & { text: string };
  status?: StatusMessage;
}

/** The key contexts in effect, highest priority first. */
export function activeContexts(nav: NavState, viewContexts: readonly KeyContext[]): KeyContext[] {
  if (nav.help) return ['help'];
  if (nav.confirm) return ['confirm'];
  if (nav.prompt) return ['input'];
  return [...viewContexts, 'global'];
}

function isPrintable(input: string, key: { ctrl: boolean; meta: boolean }): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(input);
}

/** Splits one read of plain characters (no escape sequences) into key names; one key stays as Ink parsed it. */
export function keyNames(input: string, key: Parameters<typeof keyName>[1]): string[] {
  return keyPresses(input, key).map((k) => k.name);
}

/** The keys of one read: each key's name in the table and the bytes the terminal sent for it. */
function keyPresses(input: string, key: Parameters<typeof keyName>[1]): { name: string; bytes: string }[] {
  if (input.length <= 1 || key.escape || input.includes('\x1b')) return [{ name: keyName(input, key), bytes: keyBytes(input, key) }];
  return [...input].map((ch) => {
    if (ch === '\r' || ch === '\n') return { name: 'enter', bytes: ch };
    if (ch === '\t') return { name: 'tab', bytes: ch };
    if (ch === '\x7f' || ch === '\b') return { name: 'backspace', bytes: ch };
    const code = ch.charCodeAt(0);
    if (code < 32) return { name: `ctrl+${String.fromCharCode(code + 96)}`, bytes: ch };
    return { name: ch, bytes: ch };
  });
}

/** Named keys that are worth a word on the status line when they do nothing (besides printable characters). */
const NAMED_KEYS = new Set(['enter', 'tab', 'shift+tab', 'left', 'right', 'up', 'down', 'pageup', 'pagedown']);

/** What the status line says of a key that does nothing where the keys are; undefined for keys not worth a word. */
export function unboundKeyMessage(name: string, explain?: (name: string, label: string) => string | undefined): string | undefined {
  if (!NAMED_KEYS.has(name) && !([...name].length === 1 && isPrintable(name, { ctrl: false, meta: false }))) return undefined;
  const label = keyLabel(name);
  return explain?.(name, label) ?? `${label}: nothing to do here (? lists the keys)`;
}

/** The bytes a terminal sends for a key Ink parsed: what a session is given when a key was typed ahead of it. */
export function keyBytes(input: string, key: Parameters<typeof keyName>[1]): string {
  if (key.upArrow) return '\x1b[A';
  if (key.downArrow) return '\x1b[B';
  if (key.rightArrow) return '\x1b[C';
  if (key.leftArrow) return '\x1b[D';
  if (key.pageUp) return '\x1b[5~';
  if (key.pageDown) return '\x1b[6~';
  if (key.tab) return key.shift ? '\x1b[Z' : '\t';
  if (key.return) return '\r';
  if (key.backspace) return '\x7f';
  if (key.delete) return '\x1b[3~';
  if (key.escape) return '\x1b';
  if (key.ctrl && /^[a-z]$/.test(input)) return String.fromCharCode(input.charCodeAt(0) - 96);
  return key.meta ? `\x1b${input}` : input;
}

/** The view a 'goto' binding names: by id, or by its 1-based place in the tab bar. */
function gotoTarget(binding: Binding): DashboardView | undefined {
  const slot = Number(binding.target);
  return Number.isInteger(slot) && slot > 0 ? views[slot - 1] : viewById(binding.target ?? '');
}

/** The nav state with a synchronous mirror: several keys can arrive in one read, and each must see the last one's effect. */
function useNavState(initial: NavState): [NavState, (change: (nav: NavState) => NavState) => void, () => NavState] {
  const ref = useRef(initial);
  const [nav, setNav] = useState(initial);
  const update = useCallback((change: (nav: NavState) => NavState) => {
    const next = change(ref.current);
    if (next === ref.current) return;
    ref.current = next;
    setNav(next);
  }, []);
  return [nav, update, useCallback(() => ref.current, [])];
}

interface Hosted {
  view: DashboardView;
  data: unknown;
}

/** Mounts one view: calls its data hook and renders it, and tells the App when its key contexts change. */
function ViewHost(props: {
  view: DashboardView;
  api: ViewApi;
  width: number;
  height: number;
  hosted: React.MutableRefObject<Hosted | undefined>;
  onContexts: (key: string) => void;
}) {
  const { view, api, width, height, hosted, onContexts } = props;
  const data = view.useData(api, { width, height });
  hosted.current = { view, data };
  const contextKey = view.contexts(data).join(',');
  useLayoutEffect(() => onContexts(`${view.id}:${contextKey}`), [view.id, contextKey, onContexts]);
  return <view.Component data={data} api={api} width={width} height={height} />;
}

function time(ms: number | undefined): string {
  return ms ? new Date(ms).toTimeString().slice(0, 8) : '-';
}

function Header({ state, endpoint, active, badges, width }: { state: DashboardState; endpoint: string; active: string; badges: string[]; width: number }) {
  const right = !state.connected
    ? `engine not answering · last known state from ${time(state.lastContact)}`
    : state.loaded
      ? `${plural(state.rooms.length, 'room')} · ${plural(state.events, 'event')}`
      : 'loading…';
  // Badges (a pending count) and the engine state are never cut; the tab bar gives way first: other views' titles
  // shrink to their numbers, then the endpoint goes.
  const badgeText = badges.join(' ');
  const fixed = 'berth '.length + badgeText.length + (badgeText ? 1 : 0) + right.length + 1;
  const fullTabs = views.reduce((n, v, i) => n + ` ${i + 1} ${v.title} `.length, 0);
  const compact = fixed + fullTabs > width;
  const showEndpoint = !compact && fixed + fullTabs + endpoint.length + 1 <= width;
  return (
    <Box width={width}>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate">
          <Text bold color="cyan">berth</Text>
          {showEndpoint ? <Text dimColor> {endpoint}</Text> : null}{' '}
          {views.map((v, i) => (
            <Text key={v.id} inverse={v.id === active} color={v.id === active ? 'cyan' : undefined}>
              {v.id === active ? `[${i + 1} ${v.title}]` : compact ? ` ${i + 1} ` : ` ${i + 1} ${v.title} `}
            </Text>
          ))}
        </Text>
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        {badgeText ? (
          <Text color="yellow" bold>
            {badgeText}{' '}
          </Text>
        ) : null}
        <Text color={state.connected ? undefined : 'red'} dimColor={state.connected} bold={!state.connected} wrap="truncate">
          {right}
        </Text>
      </Box>
    </Box>
  );
}

/** Badges the views put in the header (a pending count), visible from every view; the registry is fixed, so the hook order is too. */
function useBadges(api: ViewApi): string[] {
  const out: string[] = [];
  for (const view of views) {
    const badge = view.useBadge?.(api);
    if (badge) out.push(badge);
  }
  return out;
}

export function App({ store, endpoint, onQuit, sessions, initialView }: AppProps) {
  const state = useDashboardState(store);
  const { columns, rows } = useTerminalSize();
  const [nav, update, navNow] = useNavState({ history: [viewById(initialView ?? '')?.id ?? views[0]!.id], help: false });
  const hosted = useRef<Hosted | undefined>(undefined);
  const [, setContextKey] = useState('');
  const size = useRef({ columns, rows });
  size.current = { columns, rows };
  const kept = useRef(new Map<string, unknown>());

  const api = useMemo<ViewApi>(
    () => ({
      rt: store.rt,
      store,
      sessions,
      status: (status) => update((n) => ({ ...n, status })),
      confirm: (confirm) => update((n) => ({ ...n, confirm })),
      prompt: (prompt) => update((n) => ({ ...n, prompt: { ...prompt, text: prompt.initial ?? '' } })),
      prompting: (label) => Boolean(navNow().prompt && (label === undefined || navNow().prompt?.label === label)),
      open: (id) =>
        update((n) => {
          if (!viewById(id) || n.history[n.history.length - 1] === id) return n;
          // History holds each view once: going to a view already in it moves it to the top.
          return { ...n, history: [...n.history.filter((h) => h !== id), id].slice(-20), status: undefined };
        }),
      size: () => size.current,
      keep: <T,>(key: string, initial: () => T) => ({
        get: () => (kept.current.has(key) ? (kept.current.get(key) as T) : (kept.current.set(key, initial()), kept.current.get(key) as T)),
        set: (value: T) => void kept.current.set(key, value),
      }),
    }),
    [store, sessions, update, navNow],
  );
  const badges = useBadges(api);
  // A new engine error replaces whatever the status line said before it.
  useLayoutEffect(() => {
    if (state.error) update((n) => (n.status ? { ...n, status: undefined } : n));
  }, [state.error, update]);

  const active = viewById(nav.history[nav.history.length - 1]!) ?? views[0]!;
  const body = bodyHeight(rows);

  const back = () => update((n) => (n.history.length > 1 ? { ...n, history: n.history.slice(0, -1), status: undefined } : n));
  const setPrompt = (text: string) => {
    const prompt = navNow().prompt;
    if (!prompt) return;
    update((n) => ({ ...n, prompt: { ...prompt, text } }));
    prompt.onChange?.(text);
  };

  const runGlobal = (binding: Binding) => {
    const nav = navNow();
    switch (binding.command) {
      case 'quit':
        return onQuit();
      case 'help':
        return update((n) => ({ ...n, help: true }));
      case 'close':
        return update((n) => ({ ...n, help: false }));
      case 'confirm-yes':
      case 'confirm-no': {
        const confirm = nav.confirm;
        update((n) => ({ ...n, confirm: undefined }));
        if (binding.command === 'confirm-yes') confirm?.onYes();
        else confirm?.onNo?.();
        return;
      }
      case 'input-submit': {
        const prompt = nav.prompt;
        update((n) => ({ ...n, prompt: undefined }));
        prompt?.onSubmit(prompt.text);
        return;
      }
      case 'input-cancel': {
        const prompt = nav.prompt;
        update((n) => ({ ...n, prompt: undefined }));
        prompt?.onCancel?.();
        return;
      }
      case 'input-backspace':
        return setPrompt([...(nav.prompt?.text ?? '')].slice(0, -1).join(''));
      case 'input-complete': {
        const done = nav.prompt?.complete?.(nav.prompt.text);
        if (done !== undefined) setPrompt(done);
        return;
      }
      case 'palette':
        return api.prompt({
          label: ':',
          complete: completeView,
          hint: (text) => {
            const found = matchViews(text);
            return found.length ? `→ ${found.map((v) => v.id).join(' ')}` : 'no such view';
          },
          onSubmit: (text) => {
            const found = matchViews(text)[0];
            if (!text.trim()) return;
            if (!found) return api.status({ text: `no view named "${text.trim()}": try ${views.map((v) => v.id).join(', ')}`, tone: 'error' });
            api.open(found.id);
          },
        });
      case 'goto': {
        const target = gotoTarget(binding);
        if (target) api.open(target.id);
        return;
      }
      case 'back':
        return back();
      default:
        return;
    }
  };

  const viewContexts = () => (hosted.current ? hosted.current.view.contexts(hosted.current.data) : []);

  useInput((input, key) => {
    const presses = keyPresses(input, key);
    for (const [i, { name }] of presses.entries()) {
      // A session is taking the screen (e, enter in Sessions): what is typed from now on is the session's, the
      // rest of this read included, never a dashboard key.
      if (sessions?.inputHeld()) {
        sessions.typeahead(presses.slice(i).map((p) => p.bytes).join(''));
        return;
      }
      const contexts = activeContexts(navNow(), viewContexts());
      const hit = resolveBinding(name, contexts);
      if (hit) {
        const { binding, context } = hit;
        const own = ['help', 'confirm', 'input', 'global'].includes(context);
        if (own || !hosted.current) {
          runGlobal(binding);
        } else {
          const { view, data } = hosted.current;
          const taken = view.run(binding.command, data, api, context);
          if (taken === false && binding.command === 'back') back();
        }
        continue;
      }
      const typing = navNow().prompt;
      if (typing) {
        if ([...name].length === 1 && isPrintable(name, key)) setPrompt(typing.text + name);
        continue;
      }
      if (navNow().help || navNow().confirm || key.ctrl || key.meta) continue;
      const current = hosted.current;
      const text = unboundKeyMessage(name, current?.view.explain ? (n, label) => current.view.explain!(n, label, current.data) : undefined);
      if (text) api.status({ text, tone: 'error' });
    }
  });

  const overlay = nav.help ? (
    <HelpOverlay width={columns} />
  ) : nav.confirm ? (
    <Box height={body} justifyContent="center" alignItems="center" flexDirection="column">
      <ConfirmModal title={nav.confirm.title} lines={nav.confirm.lines} />
    </Box>
  ) : null;

  const prompt = nav.prompt;
  const statusLine = prompt ? (
    <Text color="yellow" wrap="truncate">
      {prompt.label === ':' ? ':' : `${prompt.label}: `}
      {prompt.text}▏{prompt.hint ? <Text dimColor> {prompt.hint(prompt.text)}</Text> : null}
    </Text>
  ) : nav.status ? (
    <Text color={nav.status.tone === 'error' ? 'red' : nav.status.tone === 'ok' ? 'green' : undefined} wrap="truncate">
      {store.rt.mask.text(nav.status.text)}
    </Text>
  ) : state.error ? (
    <Text color="red" wrap="truncate">
      {store.rt.mask.text(state.error)}
    </Text>
  ) : (
    <Text> </Text>
  );

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header state={state} endpoint={endpoint} active={active.id} badges={badges} width={columns} />
      {overlay}
      {/* The view stays mounted under help and modals, so its streams and state go on. */}
      <Box display={overlay ? 'none' : 'flex'} height={body} flexDirection="column">
        <ViewHost key={active.id} view={active} api={api} width={columns} height={body} hosted={hosted} onContexts={setContextKey} />
      </Box>
      <Box flexGrow={1} />
      {statusLine}
      <Text dimColor wrap="truncate">
        {footerText(activeContexts(nav, viewContexts()))}
      </Text>
    </Box>
  );
}
