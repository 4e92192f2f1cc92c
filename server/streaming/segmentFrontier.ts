import type { FrontierSource as StoreFrontier } from '../timelines/SegmentStore.js';
import type { FrontierSource } from './FrontierSource.js';

// Glue between the segment store's frontier (per branch: frontier(), subscribe()) and the playback loop's
// (compiledMs(), one onAdvance for all branches). A branch the loop asks about while it is still compiling is
// watched until it completes, so its advances reach the loop.

export function loopFrontierOf(store: StoreFrontier): FrontierSource {
  const listeners = new Set<(battleId: string, branchId: string) => void>();
  const watched = new Map<string, () => void>();
  const watch = (battleId: string, branchId: string): void => {
    const key = `${battleId}/${branchId}`;
    if (watched.has(key)) return;
    const off = store.subscribe(battleId, branchId, (f) => {
      if (f.complete) {
        watched.get(key)?.();
        watched.delete(key);
      }
      for (const l of listeners) l(battleId, branchId);
    });
    watched.set(key, off);
  };
  return {
    compiledMs(battleId, branchId) {
      const f = store.frontier(battleId, branchId);
      if (!f || f.complete) return null;
      watch(battleId, branchId);
      return f.compiledMs;
    },
    onAdvance(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
