// Caller liveness: the caller is a holder (core holder.ts), so any reader on the same host tells a dead caller apart
// from a live one (and from a new process that got the same pid).
import { type Holder, currentHolder, holderState } from '../core/index.js';

/** Who asked: a holder identity (pid, process start time, host, boot id). */
export type CallerIdentity = Holder;

export function currentCaller(): CallerIdentity {
  return { ...currentHolder() };
}

/** 'dead' only when it is certain; a caller on another host (a shared BERTH_HOME) is left to its request's deadline. */
export function callerState(caller: CallerIdentity): 'alive' | 'dead' | 'unknown' {
  const state = holderState(caller);
  return state === 'remote' ? 'unknown' : state;
}
