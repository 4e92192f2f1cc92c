import { DEFAULT_SEGMENT_MS, type BranchManifest } from '../../../shared/battle/segments.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { ByteLru } from '../../../shared/cache/ByteLru.js';
import { SegmentBuilder, sharedPrefix, viewOfTimeline, type BranchView, type SerializedStart, type StartStates } from './builder.js';
import { gzipFirst, type EncodedSegment, type SerializedSegment } from './encode.js';
import type { SegmentProgress } from './types.js';

// One SegmentBuilder per branch (it holds only the segment list: small), least recently used dropped past
// maxBranches; a dropped branch's segments are encoded again, identically, when next asked for.
// Also the serialized start states of segments ending at decision points (a few per branch), bounded in bytes:
// a fork's first own segment splices its parent's instead of packing the world again (builder.ts, StartStates).

/** Default byte budget of the kept start states (a 20,000-unit world is ~2 MB of JSON; a few per battle). */
export const START_STATES_MB = 64;

/** A kept start state's bytes: its JSON and its deflate (made after it is kept: ~1/8 of the JSON, counted ahead). */
function keptBytes(s: SerializedStart): number {
  return s.json.byteLength + Math.ceil(s.json.byteLength / 8) + 64;
}

/**
 * A segment someone waits on, which goes out gzipped first, then with its brotli: a fork's fork-point segment and the
 * one after it. The fork's later segments are compressed fast too, but nobody waits on them (parts go before them).
 */
export function waitedOn(s: SerializedSegment, fork: BranchManifest['fork']): boolean {
  return s.fast && s.info.startMs <= (fork?.atMs ?? -1);
}

export class Segmenter {
  private readonly builders: ByteLru<SegmentBuilder>;
  /** Where each fork's builder looks before its fork point: its parent (branch key and fork time). */
  private readonly lineage = new Map<string, { parent: string; atMs: number }>();
  private readonly starts: ByteLru<SerializedStart>;
  private readonly startsMaxBytes: number;

  constructor(
    private readonly publish: (p: SegmentProgress) => void,
    readonly segmentMs = DEFAULT_SEGMENT_MS,
    maxBranches = 1024,
    startStatesBytes = START_STATES_MB * 1024 * 1024,
  ) {
    this.builders = new ByteLru({ maxEntries: maxBranches, onEvict: (key) => this.lineage.delete(key) });
    this.startsMaxBytes = startStatesBytes;
    this.starts = new ByteLru({ maxBytes: startStatesBytes, sizeOf: keptBytes });
  }

  /** Segments built on a kept start state instead of packing the world (metrics, tests). */
  startStateReuses = 0;

  /** Bytes of kept start states (metrics, tests). */
  get startStateBytes(): number {
    return this.starts.bytes;
  }

  /** The kept start state at startMs of a branch, or of its nearest ancestor sharing the world then. */
  private findStart(branch: string, startMs: number): SerializedStart | undefined {
    for (let k: string | undefined = branch; k !== undefined; ) {
      const hit = this.starts.get(`${k}@${startMs}`);
      if (hit) return hit;
      const up = this.lineage.get(k);
      k = up && startMs < up.atMs ? up.parent : undefined;
    }
    return undefined;
  }

  /**
   * `history`: a branch with no fork. Its start states are kept pinned (still counted): most forks begin there, and at
   * a 32 MB budget the forks' own start states evicted the history's at its late decision points, so a fork there
   * packed the world again on its ack path (forks bench: the fork at 422 s acked in 203-241 ms, 35 ms with them kept).
   * A few per history (~12 MB at 22,401 units).
   */
  private startStates(branch: string, history: boolean): StartStates {
    return {
      find: (startMs) => {
        const hit = this.findStart(branch, startMs);
        if (hit) this.startStateReuses++;
        return hit;
      },
      // The LRU keeps an entry just set even past its budget: one larger than the whole budget is not kept at all.
      keep: (startMs, s) => {
        if (keptBytes(s) > this.startsMaxBytes) return false;
        this.starts.set(`${branch}@${startMs}`, s, { pinned: history });
        return true;
      },
    };
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
    const shared = parent && fork && parent.segmentMs === this.segmentMs;
    const prefix = shared ? sharedPrefix(parent, fork) : [];
    const key = this.key(battleId, branchId);
    if (shared) this.lineage.set(key, { parent: this.key(battleId, parent.branchId), atMs: fork.atMs });
    else this.lineage.delete(key);
    return this.keep(battleId, branchId, new SegmentBuilder(this.segmentMs, prefix, this.startStates(key, !fork)));
  }

  /**
   * Encode what became final and push it. `onListed`: called with the manifest once the new segments are listed
   * (serialized and hashed), before they are compressed, and the manifest is pushed then too: a fork's ack goes on
   * while this thread compresses (its segments follow in a second push).
   */
  advance(b: SegmentBuilder, view: BranchView, onListed?: (m: BranchManifest) => void): BranchManifest {
    const { manifest, listed, early } = this.listAndPublish(b, view, onListed);
    this.publish({
      manifest,
      segments: listed.map((s) =>
        b.compress(
          s,
          early.find((e) => e.info.hash === s.info.hash),
        ),
      ),
    });
    return manifest;
  }

  /**
   * advance() with the compression on libuv's thread pool (same bytes): a compiling fork's thread stays free
   * for other forks' first segments and for requests meanwhile. Resolves once the segments are pushed.
   */
  async advanceAsync(b: SegmentBuilder, view: BranchView, onListed?: (m: BranchManifest) => void): Promise<BranchManifest> {
    return this.listThenCompress(b, view, onListed)();
  }

  /**
   * advanceAsync in two halves: lists now (the manifest, so the frontier, and the early gzips pushed, as
   * advanceAsync does first), and returns the second half, which compresses on the thread pool and pushes the
   * segments. A compiling fork lists its next segment while the one before is still compressing: the frontier
   * no longer waits on a compression (a 20,000-unit fork's first own segment, or a 7 MB one in a heavy battle
   * window, compresses for longer than the next segment simulates). The halves of successive calls must run in
   * order (pushes stay in index order); the bytes are advanceAsync's.
   */
  listThenCompress(b: SegmentBuilder, view: BranchView, onListed?: (m: BranchManifest) => void): () => Promise<BranchManifest> {
    const { manifest, listed, early } = this.listAndPublish(b, view, onListed);
    // Pushed with the builder's latest manifest (a later listing may have grown it meanwhile: the pushes' manifests
    // never go back); resolves with the one these segments were listed in.
    return async () => {
      if (listed.length === 0) {
        this.publish({ manifest: b.manifest ?? manifest, segments: [] });
        return manifest;
      }
      const segments = await Promise.all(
        listed.map((s) =>
          b.compressAsync(
            s,
            early.find((e) => e.info.hash === s.info.hash),
          ),
        ),
      );
      this.publish({ manifest: b.manifest ?? manifest, segments });
      return manifest;
    };
  }

  /**
   * Cut and push a part of a compiling branch when one is due (SegmentBuilder.part; `flush`: the run is over).
   * Returns where the segment in progress ends, once known (null until then).
   */
  publishPart(b: SegmentBuilder, view: BranchView, flush = false): number | null {
    const { part, endMs } = b.part(view, flush);
    if (part) this.publish({ manifest: b.manifest as BranchManifest, segments: [], parts: [part] });
    return endMs;
  }

  private listAndPublish(b: SegmentBuilder, view: BranchView, onListed?: (m: BranchManifest) => void) {
    const listed = b.list(view);
    const manifest = b.manifest as BranchManifest;
    if (onListed && listed.length > 0) {
      this.publish({ manifest, segments: [] });
      onListed(manifest);
    }
    const early = onListed ? listed.filter((s) => waitedOn(s, manifest.fork)).map(gzipFirst) : [];
    if (early.length > 0) this.publish({ manifest, segments: [], early });
    return { manifest, listed, early };
  }

  /**
   * Manifest of a finished timeline, encoding (and pushing) its segments the first time. Each segment is compressed
   * as soon as it is serialized, so its JSON is garbage before the next is made (advance() would hold every
   * segment's JSON until the last is compressed: ~170 MB of Buffers for a 22,401-unit battle). Same bytes, same
   * single push.
   */
  complete(tl: Timeline, parent: BranchManifest | null = null): BranchManifest {
    const known = this.peek(tl.battleId, tl.branchId);
    if (known?.manifest?.complete) return known.manifest;
    const b = known ?? this.start(tl.battleId, tl.branchId, parent, tl.fork);
    const segments: EncodedSegment[] = [];
    b.list(viewOfTimeline(tl), (s) => segments.push(b.compress(s)));
    const manifest = b.manifest as BranchManifest;
    this.publish({ manifest, segments });
    return manifest;
  }

  /** One segment of a finished timeline, encoded again. */
  segment(tl: Timeline, index: number, parent: BranchManifest | null = null): EncodedSegment | null {
    this.complete(tl, parent);
    return (this.peek(tl.battleId, tl.branchId) as SegmentBuilder).rebuild(viewOfTimeline(tl), index);
  }
}
