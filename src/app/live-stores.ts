// Stores that outlive a view's visit, so a pull, build or deploy started there goes on while another view is shown:
// the dashboard disposes every one still alive when it quits, so none holds the process open.
export interface LiveStore {
  dispose(): void;
}

const live = new Set<LiveStore>();

export function trackStore(store: LiveStore): void {
  live.add(store);
}

export function untrackStore(store: LiveStore): void {
  live.delete(store);
}

export function disposeLiveStores(): void {
  for (const store of [...live]) store.dispose();
}
