// The dashboard's views: each is one module declaring its id, title, key contexts, the hook that feeds it and its
// component. App renders the active one and knows no view by name; adding a view is one line in `views` below plus
// its bindings in keymap.ts. The contract a view implements is in view-layout.ts.
import type { DashboardView } from './view-layout.js';
import { agentsView } from '../views/AgentsView.js';
import { approvalsView } from '../views/ApprovalsView.js';
import { containersView } from '../views/ContainersView.js';
import { imagesView } from '../views/ImagesView.js';
import { recordsView } from '../views/RecordsView.js';
import { servicesView } from '../views/ServicesView.js';
import { sessionsView } from '../views/SessionsView.js';
import { auditView } from '../views/AuditView.js';
import { apiView } from '../views/ApiView.js';

/** Every view, in tab-bar order: number keys 1-9 open them. The first is where the dashboard starts. */
export const views: readonly DashboardView[] = [containersView, sessionsView, imagesView, servicesView, approvalsView, recordsView, agentsView, auditView, apiView];

export function viewById(id: string): DashboardView | undefined {
  return views.find((v) => v.id === id);
}

function names(view: DashboardView): string[] {
  return [view.id, ...(view.aliases ?? [])];
}

function isSubsequence(needle: string, hay: string): boolean {
  let i = 0;
  for (const ch of hay) if (ch === needle[i]) i++;
  return i === needle.length;
}

/**
 * The views a palette entry names, best first: an exact id or alias, then a prefix of one, then a fuzzy match
 * (the letters in order, as k9s and fzf do).
 */
export function matchViews(text: string): DashboardView[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...views];
  const exact = views.filter((v) => names(v).includes(q));
  const prefix = views.filter((v) => !exact.includes(v) && names(v).some((n) => n.startsWith(q)));
  const fuzzy = views.filter((v) => !exact.includes(v) && !prefix.includes(v) && names(v).some((n) => isSubsequence(q, n)));
  return [...exact, ...prefix, ...fuzzy];
}

/** Tab completion for the palette: the best match's id. */
export function completeView(text: string): string | undefined {
  return matchViews(text)[0]?.id;
}
