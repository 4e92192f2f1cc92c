/**
 * How far a branch is compiled, for progressive forks (a fork publishes segments while its worker simulates).
 * The playback loop never lets a room's clock run past `compiledMs`: it holds (clock reason `hold`) and
 * resumes (reason `resume`) by itself when `onAdvance` reports that the branch's frontier moved.
 */
export interface FrontierSource {
  /** Playback ms compiled so far on this branch; null when the branch is complete (or unknown: nothing to hold for). */
  compiledMs(battleId: string, branchId: string): number | null;
  /** Called whenever a branch's frontier moves (including when it completes). Returns the unsubscribe. */
  onAdvance(listener: (battleId: string, branchId: string) => void): () => void;
}

/** Every branch complete: what the loop assumes when nothing compiles progressively. */
export const completeFrontier: FrontierSource = {
  compiledMs: () => null,
  onAdvance: () => () => {},
};
