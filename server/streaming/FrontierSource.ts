/**
 * How far a branch is compiled, for progressive forks (a fork publishes segments while its worker simulates).
 * The playback loop never lets a room's clock run past `compiledMs`: it holds (clock reason `hold`) and
 * resumes (reason `resume`) by itself when the branch's frontier moves. The loop subscribes to the branch each of
 * its rooms is on, and unsubscribes when the room moves to another branch or is forgotten.
 */
export interface FrontierSource {
  /** Playback ms compiled so far on this branch; null when the branch is complete (or unknown here: nothing to hold for). */
  compiledMs(battleId: string, branchId: string): number | null;
  /** `listener` runs whenever the branch's frontier moves (including when it completes). Returns the unsubscribe. */
  subscribe(battleId: string, branchId: string, listener: () => void): () => void;
}

/** Every branch complete: what the loop assumes when nothing compiles progressively. */
export const completeFrontier: FrontierSource = {
  compiledMs: () => null,
  subscribe: () => () => {},
};

/**
 * The segments compiler's view of branch frontiers, structurally (server/timelines/SegmentStore.ts on the segments
 * branch: `frontier()` is undefined for a branch this process has not loaded).
 */
export interface BranchFrontiers {
  frontier(battleId: string, branchId: string): { compiledMs: number; complete: boolean } | undefined;
  subscribe(battleId: string, branchId: string, fn: (f: { compiledMs: number; complete: boolean }) => void): () => void;
}

/** The loop's FrontierSource over the segments compiler's: `createApp({ frontier: frontierSourceOf(segmentStore) })`. */
export function frontierSourceOf(s: BranchFrontiers): FrontierSource {
  return {
    compiledMs(battleId, branchId) {
      const f = s.frontier(battleId, branchId);
      return !f || f.complete ? null : f.compiledMs;
    },
    subscribe: (battleId, branchId, listener) => s.subscribe(battleId, branchId, () => listener()),
  };
}
