import type { BattleEvent } from '../../../shared/battle/events.js';
import { applyEvents } from '../../../shared/battle/reducer.js';
import { eventIndexAfter, stateAt } from '../../../shared/battle/seek.js';
import type { WorldState } from '../../../shared/battle/state.js';
import {
  buildSegment,
  forkEventsOf,
  segmentEnd,
  strengthSeries,
  DEFAULT_SEGMENT_MS,
  PART_MS,
  PARTS_KEPT,
  type BranchManifest,
  type PartInfo,
  type SegmentInfo,
} from '../../../shared/battle/segments.js';
import type { DecisionPointInfo, Keyframe, Outcome, PhaseSpan, Timeline } from '../../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../../shared/battle/types.js';
import type { Compilation } from '../../../replays/index.js';
import {
  compressSegment,
  compressSegmentAsync,
  deflateStart,
  encodePart,
  joinEventsJson,
  serializeSegment,
  startJsonOf,
  type EarlySegment,
  type EncodedPart,
  type EncodedSegment,
  type SerializedSegment,
} from './encode.js';

// Cuts a branch into encoded segments as its events become final, and keeps its manifest. Works the same on
// a finished timeline (all at once) and on a compile in progress (segment by segment as compiledMs passes
// their end). Runs where the timeline lives: the compile worker (or the main thread for static timelines).

/** Compressed segments a compiling branch's builder keeps (its latest). */
const RECENT = 4;

/** What the builder reads: a finished timeline or a compile in progress. */
export interface BranchView {
  battleId: string;
  branchId: string;
  parentBranchId: string | null;
  decisions: DecisionChoice[];
  fork: Timeline['fork'];
  events: readonly BattleEvent[];
  keyframes: readonly Keyframe[];
  /** Events with t <= compiledMs are final. */
  compiledMs: number;
  complete: boolean;
  phases: PhaseSpan[];
  decisionPoints: DecisionPointInfo[];
  /** Only when complete. */
  final: { durationMs: number; outcome: Outcome; eventsSha256: string } | null;
  /** A compile in progress: its own fold after the first `seq` events, when it is there (Compilation.foldedTo). */
  foldedTo?: (seq: number) => WorldState | undefined;
}

/** The view of a compile in progress (a progressive fork): its events so far, final up to compiledMs. */
export function viewOfCompilation(c: Compilation): BranchView {
  return {
    ...c.meta,
    events: c.events,
    keyframes: c.keyframes,
    compiledMs: c.compiledMs,
    complete: false,
    ...c.partial(),
    final: null,
    foldedTo: (seq) => c.foldedTo(seq),
  };
}

export function viewOfTimeline(tl: Timeline): BranchView {
  return {
    ...tl,
    compiledMs: tl.durationMs,
    complete: true,
    final: { durationMs: tl.durationMs, outcome: tl.outcome, eventsSha256: tl.eventsSha256 },
  };
}

/**
 * Segments a fork shares with its parent: those ending before the fork point hold only shared events (the
 * segment ending at the fork point holds the choice), so they are byte-identical (the payload does not name
 * its branch) and need not be built again.
 */
export function sharedPrefix(parent: BranchManifest, fork: NonNullable<Timeline['fork']>): SegmentInfo[] {
  return parent.segments.filter((s) => s.endMs < fork.atMs);
}

/** A segment's start state, serialized (JSON bytes of its packed world), and the seq of its first event. */
export interface SerializedStart {
  firstSeq: number;
  json: Buffer;
  /** json deflated (encode.ts deflateStart), once that is done: a fork's first own segment's gzip is stitched around it. */
  deflated?: Buffer;
}

/**
 * Start states kept for reuse: those of segments ending at a decision point, the ones a fork's first own
 * segment starts from (same startMs, same world: the events before the fork point are shared). `find` may
 * answer from an ancestor's, for times before the fork point.
 */
export interface StartStates {
  find(startMs: number): SerializedStart | undefined;
  /** False when it was not kept (larger than the whole budget). */
  keep(startMs: number, s: SerializedStart): boolean;
}

/** Whether the segment (.., endMs] ends at a decision point. */
function endsAtDecision(events: readonly BattleEvent[], endMs: number): boolean {
  for (let i = eventIndexAfter(events, endMs) - 1; i >= 0 && events[i].t === endMs; i--)
    if (events[i].type === 'decision:point') return true;
  return false;
}

export class SegmentBuilder {
  private readonly infos: SegmentInfo[];
  private last: BranchManifest | null = null;
  /** The world at the end of the last segment list() built (the next one's start), while the branch compiles. */
  private carried: { ms: number; state: WorldState } | null = null;
  /** Parts cut while the branch compiles: the segment in progress's and the last PARTS_KEPT listed ones' (manifest.parts). */
  private parts: PartInfo[] = [];
  /** Segments whose events' JSON was joined from their parts' (tests read it: the path is taken, not only correct). */
  joinedFromParts = 0;
  /** The segment in progress's parts with their events' JSON, in order: listed, it is made of them (partsJson). */
  private partEvents: { info: PartInfo; json: Buffer }[] = [];

  constructor(
    readonly segmentMs = DEFAULT_SEGMENT_MS,
    prefix: readonly SegmentInfo[] = [],
    private readonly starts: StartStates | null = null,
  ) {
    this.infos = [...prefix];
  }

  /**
   * Build and serialize one segment. A start state kept for startMs is spliced in (no stateAt, packWorld or
   * stringify of the world: most of a 20,000-unit fork's first segment); the bytes are those of a full build.
   */
  private serialize(view: BranchView, index: number, startMs: number, endMs: number, inOrder = false): SerializedSegment {
    const known = this.starts?.find(startMs);
    if (known) {
      const end = eventIndexAfter(view.events, endMs);
      // No world folded here: the next start is the compile's own fold when it is at endMs (a compiling fork), else stateAt.
      if (inOrder) {
        const folded = view.foldedTo?.(end);
        this.carried = folded ? { ms: endMs, state: folded } : null;
      }
      const events = view.events.slice(known.firstSeq, end);
      const eventsJson = inOrder ? this.partsJson(index, known.firstSeq, events.length) : undefined;
      // Spliced: a fork's first own segment, which the fork's first frame waits on: compressed fast.
      return serializeSegment(
        {
          battleId: view.battleId,
          index,
          startMs,
          endMs,
          firstSeq: known.firstSeq,
          startJson: known.json,
          ...(known.deflated ? { startDeflated: known.deflated } : {}),
          events,
          ...(eventsJson ? { eventsJson } : {}),
        },
        true,
      );
    }
    const carried = this.carried?.ms === startMs ? this.carried.state : undefined;
    const start =
      carried && carried.nextSeq === eventIndexAfter(view.events, startMs) ? carried : stateAt(view.events, view.keyframes, startMs);
    const seg = buildSegment(view, view.events, view.keyframes, index, startMs, endMs, start);
    // The next segment's start: this one's start with its events folded (one batch), instead of stateAt from the
    // last keyframe (up to 30 s of events at 20,000 units). Only while building in order (list()); dropped once the
    // branch is final (all its segments are built then).
    // A compile listing in step hands over its own fold at endMs (it folds these events for its keyframes anyway).
    if (inOrder) {
      const end = seg.firstSeq + seg.events.length;
      this.carried = { ms: endMs, state: view.foldedTo?.(end) ?? applyEvents(start, seg.events) };
    }
    // A compiling fork's segments past its fork point are compressed fast too (brotli 1, gzip 1): brotli 5 of a
    // 20,000-unit segment is ~0.5-0.9 s of CPU per 10 s of battle, as much as simulating it, and on two cores it took
    // that from the compile (which must publish at 16x or more); brotli 1 is ~60 ms for ~70% more bytes. Built again
    // later (a cache dropped them) they get the usual levels, the same JSON.
    const fast = !view.final && !!view.fork && startMs >= view.fork.atMs;
    const eventsJson = inOrder ? this.partsJson(index, seg.firstSeq, seg.events.length) : undefined;
    const { start: _s, ...rest } = seg;
    if (!this.starts || !endsAtDecision(view.events, endMs))
      return eventsJson ? serializeSegment({ ...rest, startJson: startJsonOf(seg), eventsJson }, fast) : serializeSegment(seg, fast);
    const json = startJsonOf(seg);
    const kept: SerializedStart = { firstSeq: seg.firstSeq, json };
    // Deflated on the thread pool meanwhile (history's at startup), if kept: ready before a fork there waits on its gzip.
    if (this.starts.keep(startMs, kept))
      deflateStart(json).then(
        (d) => {
          kept.deflated = d;
        },
        () => {},
      );
    return serializeSegment({ ...rest, startJson: json, ...(eventsJson ? { eventsJson } : {}) }, fast);
  }

  /**
   * The JSON of segment `index`'s events (count of them from firstSeq), joined from its parts' when they hold exactly
   * those events (cut while it compiled); else undefined. At 20,000 units a segment's events are ~5-10 MB of JSON.
   */
  private partsJson(index: number, firstSeq: number, count: number): Buffer | undefined {
    const own = this.partEvents.filter((p) => p.info.index === index);
    let seq = firstSeq;
    for (const { info } of own) {
      if (info.firstSeq !== seq) return undefined;
      seq += info.eventCount;
    }
    if (own.length === 0 || seq !== firstSeq + count) return undefined;
    this.joinedFromParts++;
    return joinEventsJson(own.map((p) => p.json));
  }

  /**
   * Cut a part: the events of the segment in progress (index = the segments listed) from the last part's end to the
   * compiled frontier, once PART_MS of it is compiled, or up to the segment's end once that is known (its last part
   * ends with it: parts 0..n hold exactly the segment's events). Lists it in the manifest; null when nothing is due.
   * No start state: cheap at any size, so the frontier moves every PART_MS instead of every segment. `flush`: the run
   * is over, cut what is left however short (the branch's last events may still come with its final timeline).
   * Also says where the segment in progress ends, once that is known (`endMs`; null until then).
   */
  part(view: BranchView, flush = false): { part: EncodedPart | null; endMs: number | null } {
    if (view.final) return { part: null, endMs: null };
    const index = this.infos.length;
    const own = this.parts.filter((p) => p.index === index);
    const from = own.at(-1)?.endMs ?? this.builtMs;
    const segEnd = segmentEnd(view.events, this.builtMs, this.segmentMs, view.compiledMs);
    const to = segEnd ?? view.compiledMs;
    if (to <= from || (segEnd === null && !flush && to - from < PART_MS)) return { part: null, endMs: segEnd };
    const a = eventIndexAfter(view.events, from);
    const b = eventIndexAfter(view.events, to);
    const { part: enc, eventsJson } = encodePart({
      battleId: view.battleId,
      index,
      part: own.length,
      startMs: from,
      endMs: to,
      firstSeq: a,
      events: view.events.slice(a, b),
    });
    this.parts.push(enc.info);
    this.partEvents.push({ info: enc.info, json: eventsJson });
    this.last = this.manifestOf(view, to);
    return { part: enc, endMs: segEnd };
  }

  /** End of the segments built so far. */
  get builtMs(): number {
    return this.infos.at(-1)?.endMs ?? 0;
  }

  /**
   * Serialize the segments that became final since the last call and list them in the manifest; returns them (in
   * index order) for compress(). advance() is the two in one.
   *
   * `each`: hand every serialized segment to it as soon as it is made, and keep none (returns []). A finished
   * timeline lists all its segments in one call: at 22,401 units ~45 of ~3 MB of JSON each, which held ~170 MB of
   * Buffers at once in the compile worker until the last was compressed (forkload). With `each` only one is live.
   */
  list(view: BranchView, each?: (s: SerializedSegment) => void): SerializedSegment[] {
    const out: SerializedSegment[] = [];
    const compiled = view.final ? Infinity : view.compiledMs;
    for (;;) {
      const start = this.builtMs;
      if (view.final && this.infos.length > 0 && start >= view.final.durationMs) break;
      const end = segmentEnd(view.events, start, this.segmentMs, compiled);
      if (end === null) break;
      const s = this.serialize(view, this.infos.length, start, end, true);
      this.infos.push(s.info);
      if (each) each(s);
      else out.push(s);
    }
    // Parts kept: the segment in progress's and the last PARTS_KEPT listed ones' (a client following them plays on).
    this.parts = view.final ? [] : this.parts.filter((p) => p.index >= this.infos.length - PARTS_KEPT);
    this.partEvents = view.final ? [] : this.partEvents.filter((p) => p.info.index >= this.infos.length);
    this.last = this.manifestOf(view, Math.max(this.builtMs, this.parts.at(-1)?.endMs ?? 0));
    if (view.final) {
      this.recent.clear();
      this.carried = null;
    }
    return out;
  }

  /**
   * Compress a listed segment. While the branch compiles the last few are kept, so a request that comes between
   * listing and publishing (a fork's ack goes out in between) is not encoded twice.
   */
  compress(s: SerializedSegment, early?: EarlySegment): EncodedSegment {
    return this.keepRecent(compressSegment(s, early));
  }

  /** compress() off the calling thread (compressSegmentAsync): the same bytes. */
  async compressAsync(s: SerializedSegment, early?: EarlySegment): Promise<EncodedSegment> {
    return this.keepRecent(await compressSegmentAsync(s, early));
  }

  private keepRecent(enc: EncodedSegment): EncodedSegment {
    if (!this.last?.complete) {
      this.recent.set(enc.info.index, enc);
      for (const k of this.recent.keys()) if (this.recent.size > RECENT) this.recent.delete(k);
    }
    return enc;
  }

  private readonly recent = new Map<number, EncodedSegment>();

  /** Encode the segments that became final since the last call; returns them (in index order). */
  advance(view: BranchView): EncodedSegment[] {
    return this.list(view).map((s) => this.compress(s));
  }

  /** Encode one segment again (after a cache dropped it); null when it is not built yet. */
  rebuild(view: BranchView, index: number): EncodedSegment | null {
    const info = this.infos[index];
    if (!info) return null;
    const kept = this.recent.get(index);
    if (kept && kept.info.hash === info.hash) return kept;
    return compressSegment(this.serialize(view, index, info.startMs, info.endMs));
  }

  get manifest(): BranchManifest | null {
    return this.last;
  }

  /** `frontierMs`: how far events are published (the last segment's or part's end), while the branch compiles. */
  private manifestOf(view: BranchView, frontierMs: number): BranchManifest {
    const f = view.final;
    const m: BranchManifest = {
      battleId: view.battleId,
      branchId: view.branchId,
      parentBranchId: view.parentBranchId,
      decisions: view.decisions,
      fork: view.fork,
      segmentMs: this.segmentMs,
      complete: view.complete,
      compiledMs: f ? f.durationMs : frontierMs,
      durationMs: f ? f.durationMs : frontierMs,
      segments: [...this.infos],
      phases: view.phases,
      decisionPoints: view.decisionPoints,
      outcome: f ? f.outcome : null,
      eventsSha256: f ? f.eventsSha256 : null,
      strength: f ? strengthSeries(view.events, f.durationMs) : null,
    };
    // Once the fork point is compiled (a fork's builder starts there): its own events at that instant.
    const forkEvents = view.fork && view.compiledMs >= view.fork.atMs ? forkEventsOf(view.events, view.fork) : undefined;
    const parts = !f && this.parts.length > 0 ? { parts: [...this.parts] } : {};
    return forkEvents ? { ...m, forkEvents, ...parts } : { ...m, ...parts };
  }
}
