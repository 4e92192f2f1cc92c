import { DEFAULT_SEGMENT_MS, type BranchManifest } from '../../../shared/battle/segments.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { ByteLru } from '../../../shared/cache/ByteLru.js';
import { SegmentBuilder, sharedPrefix, viewOfTimeline, type BranchView } from './builder.js';
import type { EncodedSegment } from './encode.js';
import type { SegmentProgress } from './types.js';

// One SegmentBuilder per branch (it holds only the segment list: small), least recently used dropped past
// maxBranches; a dropped branch's segments are encoded again, identically, when next asked for.

export class Segmenter {
  private readonly builders: ByteLru<SegmentBuilder>;

  constructor(
    private readonly publish: (p: SegmentProgress) => void,
    readonly segmentMs = DEFAULT_SEGMENT_MS,
    maxBranches = 1024,
  ) {
    this.builders = new ByteLru({ maxEntries: maxBranches });
  }

  private key(battleId: string, branchId: string): string {
    return `${battleId}/${branchId}`;
  }

  peek(battleId: string, branchId: string): SegmentBuilder | undefined {
    return this.builders.get(this.key(battleId, branchId));
  }

  private keep(battleId: string, branchId: string, b: SegmentBuilder): SegmentBuilder {
    this.builders.set(this.key(battleId, branchId), b);
    return b;
  }

  /** A builder for a branch about to be compiled progressively (prefix shared with the parent's manifest). */
  start(battleId: string, branchId: string, parent: BranchManifest | null, fork: Timeline['fork']): SegmentBuilder {
    const prefix = parent && fork && parent.segmentMs === this.segmentMs ? sharedPrefix(parent, fork) : [];
    return this.keep(battleId, branchId, new SegmentBuilder(this.segmentMs, prefix));
  }

  /** Encode what became final and push it. */
  advance(b: SegmentBuilder, view: BranchView): BranchManifest {
    const segments = b.advance(view);
    const manifest = b.manifest as BranchManifest;
    this.publish({ manifest, segments });
    return manifest;
  }

  /** Manifest of a finished timeline, encoding (and pushing) its segments the first time. */
  complete(tl: Timeline, parent: BranchManifest | null = null): BranchManifest {
    const b = this.peek(tl.battleId, tl.branchId);
    if (b?.manifest?.complete) return b.manifest;
    return this.advance(b ?? this.start(tl.battleId, tl.branchId, parent, tl.fork), viewOfTimeline(tl));
  }

  /** One segment of a finished timeline, encoded again. */
  segment(tl: Timeline, index: number, parent: BranchManifest | null = null): EncodedSegment | null {
    this.complete(tl, parent);
    return (this.peek(tl.battleId, tl.branchId) as SegmentBuilder).rebuild(viewOfTimeline(tl), index);
  }
}
