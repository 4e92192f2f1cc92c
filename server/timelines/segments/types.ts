import type { BranchManifest } from '../../../shared/battle/segments.js';
import type { DecisionChoice } from '../../../shared/battle/types.js';
import type { EarlySegment, EncodedPart, EncodedSegment } from './encode.js';

/**
 * How to rebuild a branch this process never compiled, from a room's branch record: its decisions, and the
 * decision it forked at (then it is resumed from its parent's checkpoint, progressively, instead of compiled
 * from zero).
 */
export interface BranchRecipe {
  decisions: DecisionChoice[];
  forkDecisionId?: string;
}

/** Segments that became available (and the manifest as of then), pushed by whoever builds them. */
export interface SegmentProgress {
  manifest: BranchManifest;
  segments: EncodedSegment[];
  /** Segments someone waits on (a fork's first), gzipped only: their full encoding follows in a later push. */
  early?: EarlySegment[];
  /** A compiling branch's newest events (listed in `manifest.parts`), pushed as they are cut. */
  parts?: EncodedPart[];
}

/**
 * What builds a branch's segments: the compile worker (WorkerTimelineService), the in-process engine, or a
 * builder over any TimelineService. Manifests and segments travel by value; new segments are also pushed
 * through onProgress as they are built (a compile in progress, or a finished branch encoded for the first time).
 */
export interface SegmentSource {
  /** The manifest (complete or growing); null for an unknown battle/branch. `recipe` rebuilds an unknown branch. */
  manifest(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<BranchManifest | null>;
  /** One encoded segment; null when unknown or not compiled yet. */
  segment(battleId: string, branchId: string, index: number, recipe?: BranchRecipe): Promise<EncodedSegment | null>;
  onProgress(fn: (p: SegmentProgress) => void): void;
  /** Optional: `fn` runs when the builder lost its compiles in progress (the worker died); they restart on demand. */
  onReset?(fn: () => void): void;
  /** Optional: `fn` runs when a compile in progress failed (its growing manifest will not grow again). */
  onFailed?(fn: (battleId: string, branchId: string) => void): void;
}

export function isSegmentSource(x: object): x is SegmentSource {
  const s = x as Partial<SegmentSource>;
  return typeof s.manifest === 'function' && typeof s.segment === 'function' && typeof s.onProgress === 'function';
}
