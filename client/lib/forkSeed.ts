import { forkPointSegment, segmentIndexAt } from '../../shared/battle/segments.js';
import type { SegmentWorld } from './segmentWorld.js';

// A what-if's first frame without fetching its start state. A fork's segment ending at its fork point starts
// from the same world as its parent's segment over the same range, and holds the same events up to the fork's
// decision point; only the few events the choice set off differ, and the fork's manifest lists them
// (`forkEvents`). A client that holds the parent's segment (it was watching there) makes the fork's segment
// itself (forkPointSegment: the same payload the server serves, its packed start state the parent's), so the
// first frame costs an unpack and one fold instead of fetching and parsing a 20,000-unit world as well. And when
// the parent made a spare world at that decision point in idle time (SegmentWorld.prepareSpare: the clock held
// there), the fork takes it over: its first frame folds only the choice's own events.

/**
 * Give `fork` (its manifest loaded) the segment ending at its fork point, made from `parent`'s held segment.
 * True when it did; false when `parent` is not the fork's parent, does not hold that segment, or it does not
 * line up (then the fork's world fetches the segment as usual).
 */
export function seedFork(fork: SegmentWorld, parent: SegmentWorld): boolean {
  const m = fork.manifest;
  const pm = parent.manifest;
  if (!m?.fork || !pm || m.battleId !== parent.battleId || m.parentBranchId !== parent.branchId) return false;
  const held = parent.peek(segmentIndexAt(pm.segments, m.fork.atMs));
  if (!held) return false;
  const seg = forkPointSegment(held.payload, m);
  if (!seg || fork.has(seg.index)) return false;
  // The events both share: the parent's up to and with the fork's decision point (forkPointSegment checked them).
  const spare = parent.takeSpare(seg.index, m.fork.seq + 1 - seg.firstSeq);
  fork.adopt(seg, spare ?? undefined);
  return fork.has(seg.index);
}
