// The Approvals view: the queue of host commands agents asked to run, the selected one in full, a approve, d deny,
// t approve-and-trust (the suggested pattern shown before it is saved), the approved command's live output; and the
// pending-count badge (with a bell per new request) that the header shows from every view.
import React, { useEffect, useState, useSyncExternalStore } from 'react';
import { Box, useStdin, useStdout } from 'ink';
import { ApprovalsStore, type ApprovalsSnapshot, type OutputSnapshot } from '../app/approvals-store.js';
import type { Command, KeyContext } from '../app/keymap.js';
import { listMove, type DashboardView, type ViewApi } from '../app/view-layout.js';
import { useKept } from '../app/use-kept.js';
import { type ApprovalRequest, approveAndTrust, suggestPattern } from '../runtime/host-commands/index.js';
import { ApprovalDetail, ApprovalList, listRows } from './ApprovalsPanel.js';

/** Below this width the detail does not fit beside the list: the list takes the screen, enter shows the request. */
export const APPROVALS_SPLIT_MIN_COLUMNS = 120;

interface Selection {
  /** The selected request by id, so requests arriving above it never move the cursor onto another one. */
  id?: number;
  zoomed: boolean;
}

/** One store per dashboard: the badge starts it (it is rendered from every view), the view reads it. */
function sharedStore(api: ViewApi): ApprovalsStore {
  return api.keep('approvals.store', () => new ApprovalsStore(api.rt)).get();
}

export interface ApprovalsData {
  store: ApprovalsStore;
  snapshot: ApprovalsSnapshot;
  output: OutputSnapshot;
  cursor: number;
  selected?: ApprovalRequest;
  zoomed: boolean;
  wide: boolean;
  now: number;
  stdinIsTTY: boolean;
  canDecide: boolean;
  selection(): Selection;
  select(next: Selection): void;
}

function locate(requests: readonly ApprovalRequest[], id: number | undefined): number {
  const at = id === undefined ? -1 : requests.findIndex((r) => r.id === id);
  return at >= 0 ? at : 0;
}

function useApprovalsData(api: ViewApi, size: { width: number; height: number }): ApprovalsData {
  const store = sharedStore(api);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const output = useSyncExternalStore(store.subscribeOutput, store.getOutput);
  const [selection, select, selectionNow] = useKept<Selection>(api, 'approvals.selection', () => ({ zoomed: false }));
  const { stdin } = useStdin();
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const cursor = locate(snapshot.requests, selection.id);
  const selected = snapshot.requests[cursor];
  // Follow the selected request's output once it has started.
  const follow = selected?.startedAt ? selected.id : undefined;
  useEffect(() => {
    store.followOutput(follow);
  }, [store, follow]);
  useEffect(() => () => store.followOutput(undefined), [store]);
  return {
    store,
    snapshot,
    output,
    cursor,
    selected,
    zoomed: selection.zoomed,
    wide: size.width >= APPROVALS_SPLIT_MIN_COLUMNS,
    now,
    stdinIsTTY: Boolean((stdin as { isTTY?: boolean } | undefined)?.isTTY),
    canDecide: !api.rt.env.BERTH_AGENT,
    selection: selectionNow,
    select,
  };
}

function ApprovalsBody({ data, width, height }: { data: ApprovalsData; width: number; height: number }) {
  const { snapshot, output, cursor, selected, now } = data;
  if (data.wide) {
    const listWidth = Math.min(70, Math.floor(width * 0.42));
    return (
      <Box width={width} height={height}>
        <ApprovalList snapshot={snapshot} cursor={cursor} width={listWidth} height={height} now={now} />
        <ApprovalDetail req={selected} output={output} width={width - listWidth} height={height} now={now} canDecide={data.canDecide} />
      </Box>
    );
  }
  if (data.zoomed) return <ApprovalDetail req={selected} output={output} width={width} height={height} now={now} canDecide={data.canDecide} />;
  return <ApprovalList snapshot={snapshot} cursor={cursor} width={width} height={height} now={now} />;
}

function decide(data: ApprovalsData, api: ViewApi, req: ApprovalRequest, decision: 'approved' | 'denied'): void {
  try {
    const done = data.store.decide(req.id, decision, { stdinIsTTY: data.stdinIsTTY });
    api.status({ text: `request ${done.id} ${decision}: ${decision === 'approved' ? 'its caller runs it now' : 'its caller exits with code 6'}`, tone: 'ok' });
  } catch (err) {
    api.status({ text: (err as Error).message, tone: 'error' });
  }
}

function runApprovals(command: Command, data: ApprovalsData, api: ViewApi, context: KeyContext): boolean | void {
  const requests = data.store.getSnapshot().requests;
  const sel = data.selection();
  const at = locate(requests, sel.id);
  const current = requests[at];
  const move = (to: number) => {
    const target = requests[Math.min(Math.max(0, to), Math.max(0, requests.length - 1))];
    data.select({ ...sel, ...(target ? { id: target.id } : {}) });
  };
  const page = Math.max(1, listRows(api.size().rows) - 1);
  const to = listMove(command, at, requests.length, page);
  if (to !== undefined) return move(to);
  switch (command) {
    case 'open':
      if (current) data.select({ id: current.id, zoomed: true });
      return;
    case 'back':
      if (context === 'approval' && sel.zoomed) return data.select({ ...sel, zoomed: false });
      return false;
    case 'approve':
    case 'deny':
    case 'approve-trust': {
      if (!current) return api.status({ text: 'no request selected', tone: 'info' });
      // On a narrow screen the list truncates commands: a decision is taken only with the request shown in full.
      if (!data.wide && !sel.zoomed) {
        data.select({ id: current.id, zoomed: true });
        return api.status({ text: `request ${current.id} shown in full: press ${command === 'approve' ? 'a' : command === 'deny' ? 'd' : 't'} again to decide`, tone: 'info' });
      }
      if (current.status !== 'pending') return api.status({ text: `request ${current.id} is ${current.status} already`, tone: 'info' });
      if (command !== 'approve-trust') return decide(data, api, current, command === 'approve' ? 'approved' : 'denied');
      const suggestion = suggestPattern(current);
      if (!suggestion.ok) return api.status({ text: suggestion.reason, tone: 'error' });
      return api.confirm({
        title: `Approve request ${current.id} and trust this pattern?`,
        lines: [
          `allow  ${suggestion.pattern}  (an argv prefix: further arguments match too)`,
          `for agent ${current.agent}${current.room ? ` in room ${current.room}` : ''}: later commands it matches run without asking`,
          'y saves the pattern and approves · n cancels (nothing saved, nothing approved)',
        ],
        onYes: () => {
          approveAndTrust(api.rt, current, suggestion, { stdinIsTTY: data.stdinIsTTY }).then(
            (saved) => {
              data.store.refresh();
              api.status({ text: `request ${current.id} approved; trusted ${saved}`, tone: 'ok' });
            },
            (err: unknown) => {
              data.store.refresh();
              api.status({ text: (err as Error).message, tone: 'error' });
            },
          );
        },
      });
    }
    default:
      return false;
  }
}

/** The header badge, on every view: the pending count, and one terminal bell per request that arrives. */
function usePendingBadge(api: ViewApi): string | undefined {
  const store = sharedStore(api);
  const { stdout } = useStdout();
  useEffect(() => {
    store.onNewRequest(() => stdout.write('\x07'));
    store.start();
    return () => {
      store.onNewRequest(undefined);
      store.stop();
    };
  }, [store, stdout]);
  const { pending } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return pending ? `⚑ ${pending} pending (A)` : undefined;
}

export const approvalsView: DashboardView<ApprovalsData> = {
  id: 'approvals',
  title: 'Approvals',
  aliases: ['approval', 'queue', 'shell', 'ap'],
  contexts: (data) => (data.zoomed && !data.wide ? ['approval'] : ['approvals']),
  useData: useApprovalsData,
  Component: ({ data, width, height }) => <ApprovalsBody data={data} width={width} height={height} />,
  run: runApprovals,
  useBadge: usePendingBadge,
};
