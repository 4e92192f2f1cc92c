import { foldInto } from '../../shared/battle/reducer.js';
import { segmentIndexAt, unpackWorld, type BranchManifest, type PartPayload, type SegmentPayload } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import { KeyedFetches } from './keyedFetches.js';
import { ManifestPoll } from './manifestPoll.js';
import { type GetPart, type HeldEvents, NO_EVENTS, PartTail } from './partTail.js';
import { SliceUnpack } from './sliceUnpack.js';

// The world of one branch from its segments (docs/protocol.md, "Segments"): no socket involved.
// The manifest says which segments exist; the segment at the play head is fetched, its packed start
// state unpacked, and its events folded up to the head with the shared reducer (in place: a returned world is
// the cursor's own and changes with the next call; each call returns a new top-level object). Playing forward
// folds only new events and carries the state across segment boundaries (the end of k is the start
// of k+1, by the format's contract); a step back refolds from the segment's start. While playing, the
// next segments due within `prefetchWallMs` of wall time at the current rate are fetched ahead; a
// seek fetches at most the one segment it lands in (none if cached). A progressive fork's manifest
// is polled until complete, and nothing past its `compiledMs` is ever folded.
//
// Parts (a source with getPart, a manifest listing `parts`): a compiling branch's newest events come as parts of
// the segment in progress (partTail.ts). Playing forward, the cursor carries the world into that segment from the one
// before and folds its parts, so the world answers up to compiledMs, not only up to the last listed segment; a
// segment whose parts it folded whole is never fetched (its start state is needed only by a seek or a step back into
// it). A seek into the segment in progress starts from the end of the last listed segment. The manifest is then
// long-polled (`after` = compiledMs held).

export interface SegmentSource {
  /** `after`: a compiledMs held; the server answers once the branch compiled past it (a long-poll). `signal`: given up. */
  getManifest(battleId: string, branchId: string, opts?: { room?: string; after?: number; signal?: AbortSignal }): Promise<BranchManifest>;
  /** `hash`: the manifest's hash of the segment, sent so the URL names its content (cacheable across versions). */
  getSegment(battleId: string, branchId: string, index: number, opts?: { room?: string; hash?: string }): Promise<SegmentPayload>;
  /** A part of a compiling branch's segment. Without it the world plays from segments only (and polls plainly). */
  getPart?: GetPart;
}

export interface SegmentWorldOptions {
  /** A room that recorded the branch (lets any server process rebuild a fork). */
  room?: string;
  /** Segments kept in memory (least recently used go first; default 8). */
  cacheSegments?: number;
  /** And at most this many bytes of them (the manifest's `bytes`, JSON; default CACHE_BYTES). */
  cacheBytes?: number;
  /** How far ahead, in wall-clock ms at the current rate, segments are prefetched while playing (default 6000). */
  prefetchWallMs?: number;
  /** And no further once the segments held ahead of the play head reach this many bytes (default AHEAD_BYTES). */
  aheadBytes?: number;
  /** Manifest poll period while the branch is still compiling: at most one request per period (default 250 ms
   * long-polled with a source that has getPart, else 500 ms). */
  manifestPollMs?: number;
  /** Something new arrived (manifest, segment): redraw. */
  onChange?: (what: 'manifest' | 'segment') => void;
  /**
   * The world entered a segment held in memory, or adopted one (its events feed short-lived visuals: weapons fire,
   * effects). Again each time it enters it: after a seek back as after playing across a boundary.
   */
  onSegment?: (seg: SegmentPayload) => void;
  /** A part arrived (the same, for the newest events of a compiling branch). */
  onPart?: (part: PartPayload) => void;
  onError?: (err: Error) => void;
  /** Wall clock for retry back-off (default Date.now). */
  now?: () => number;
  /** While playing, at most this much work per stateAt call (default: none; see FoldBudget). */
  budget?: FoldBudget;
}

/**
 * Memory bounds by size as well as by count and time, like hls.js's `maxBufferSize` beside its `maxBufferLength`:
 * a 20,000-unit battle's 10 s segment in the thick of the fight is ~5.7 MB of JSON and ~11 MB of parsed events
 * (30,000 of them), where a 3,500-unit one's is a few hundred KB. Prefetching 6 s of wall clock at 16x held up to 6
 * such segments parsed on the page ahead of the play head (8 with the cache), and every one of them outlived the
 * young generation: the page's collections grew to 30-45 ms tasks, over the 50 ms bar with a frame (issue #14,
 * docs/benchmarks.md). The next segment is always fetched; the one in use is never evicted.
 */
export const AHEAD_BYTES = 8_000_000;
export const CACHE_BYTES = 20_000_000;

/**
 * After a fork took the spare world (takeSpare), how long before another is folded at the same decision point: the
 * fork's first frames, drawn on the same thread, go first.
 */
const RESPARE_MS = 250;

/**
 * Work per stateAt call while playing, so no single frame holds the page: at 20,000 units and 16x a segment that
 * arrives late means unpacking a 20,000-unit start and folding seconds of events at once (tens to hundreds of ms).
 * With a budget the world catches up over a few frames (it shows the previous world meanwhile). Paused, a seek
 * or a step always lands in one call.
 */
export interface FoldBudget {
  /** Events folded per call. */
  events: number;
  /** Units of a segment's packed start unpacked per call. */
  units: number;
}

export interface Motion {
  playing: boolean;
  rate: number;
}

interface Held {
  payload: SegmentPayload;
}

/** Where the world is: segment `index`, its first `applied` events folded into `state`, up to `ms`. */
interface Cursor {
  index: number;
  applied: number;
  ms: number;
  state: WorldState;
}

/**
 * A second world of a held segment, folded from its start up to (and with) the `decision:point` at its end:
 * where a fork of this branch at that decision starts (its segment holds the same events up to there).
 */
export interface ForkSpare {
  index: number;
  /** Events of the segment folded into `state` (up to and with the decision point). */
  applied: number;
  state: WorldState;
}

/** end, moved past any events at the same time as the one before it: a budget never splits one instant. */
function runEnd(events: readonly { t: number }[], end: number): number {
  while (end > 0 && end < events.length && events[end].t === events[end - 1].t) end++;
  return end;
}

export class SegmentWorld {
  private _manifest: BranchManifest | null = null;
  private manifestLoad: Promise<BranchManifest> | null = null;
  private readonly held = new Map<number, Held>();
  private readonly requests: KeyedFetches<number>;
  private cursor: Cursor | null = null;
  /** The segment holding the play head at the last stateAt (eviction keeps it and what lies ahead longest). */
  private headIndex: number | null = null;
  private spare: ForkSpare | null = null;
  /** Being replaced by another branch's world (leave()): it makes no more spares. */
  private leaving = false;
  private spareTimer: ReturnType<typeof setTimeout> | null = null;
  /** A segment's start being unpacked a slice per call (while playing with a budget). */
  private readonly unpacking = new SliceUnpack();
  private readonly poll: ManifestPoll;
  private disposed = false;
  /** The newest events of a compiling branch, from its parts; null when the source has no getPart. */
  private readonly tail: PartTail | null;

  constructor(
    private readonly source: SegmentSource,
    readonly battleId: string,
    readonly branchId: string,
    private readonly o: SegmentWorldOptions = {},
  ) {
    this.requests = new KeyedFetches<number>(() => this.now(), o.onError);
    const getPart = source.getPart?.bind(source);
    this.tail = getPart
      ? new PartTail(getPart, {
          battleId,
          branchId,
          room: o.room,
          now: () => this.now(),
          onError: o.onError,
          onPart: (part) => {
            if (this.disposed) return;
            o.onPart?.(part);
            o.onChange?.('segment');
          },
        })
      : null;
    // Following parts, the manifest is long-polled: it answers as the branch compiles past the compiledMs held.
    const longPoll = this.tail !== null;
    this.poll = new ManifestPoll({
      periodMs: o.manifestPollMs ?? (longPoll ? 250 : 500),
      longPoll,
      now: () => this.now(),
      get: (after, signal) =>
        source.getManifest(battleId, branchId, after === undefined ? { room: o.room, signal } : { room: o.room, after, signal }),
      onAnswer: (m) => this.takeManifest(m),
      onError: (err) => o.onError?.(err),
    });
  }

  /** Every segment request made, in order (tests and benchmarks read it). */
  get fetched(): readonly number[] {
    return this.requests.fetched;
  }

  /** Every part request made, as "index/part" (tests read it). */
  get fetchedParts(): readonly string[] {
    return this.tail?.fetched ?? [];
  }

  get manifest(): BranchManifest | null {
    return this._manifest;
  }

  /** The frontier: playback time up to which events are final (Infinity before the manifest). */
  get compiledMs(): number {
    return this._manifest ? this._manifest.compiledMs : Infinity;
  }

  /** Whether segment `index` is in memory. */
  has(index: number): boolean {
    return this.held.has(index);
  }

  /** Whether stateAt(pos) answers from the segment holding pos or its parts (not a last frame kept up meanwhile). */
  covers(pos: number): boolean {
    const m = this._manifest;
    if (!m) return false;
    const ms = Math.min(pos, m.compiledMs);
    const k = this.indexFor(m, ms);
    if (k === null) return false;
    if (this.held.has(k)) return true;
    const own = this.run(m, k);
    return !!own && own.endMs >= ms && this.carries(m, k, ms);
  }

  /** Whether the world reaches ms in segment k without its start state: by the cursor, or from the one before. */
  private carries(m: BranchManifest, k: number, ms: number): boolean {
    const c = this.cursor;
    if (c?.index === k) return !this.stepsBack(m, ms);
    if (c?.index === k - 1 && this.run(m, k - 1)?.whole) return true;
    return k === m.segments.length && this.held.has(k - 1); // the segment in progress, from the last listed one's end
  }

  /** Whether reaching ms needs the cursor's world before events it folded (a refold from a start state). */
  private stepsBack(m: BranchManifest, ms: number): boolean {
    const c = this.cursor;
    if (!c || ms >= c.ms || c.applied === 0) return false;
    const events = this.run(m, c.index)?.events;
    return !events || events.length < c.applied || events[c.applied - 1].t > ms;
  }

  /** Segment `index` itself (fetched unless held): for views that need the events (the compare view's diff). */
  async segment(index: number): Promise<SegmentPayload> {
    await this.request(index);
    const seg = this.held.get(index);
    if (!seg) throw new Error(`segment ${index} of ${this.branchId} is not available`);
    return seg.payload;
  }

  /** Load the manifest (once; polled on while the branch compiles). */
  loadManifest(): Promise<BranchManifest> {
    if (this._manifest) return Promise.resolve(this._manifest);
    this.manifestLoad ??= this.fetchManifest().finally(() => (this.manifestLoad = null));
    return this.manifestLoad;
  }

  /**
   * A manifest of this branch obtained otherwise (a `branch:fork` ack carries it): used as if fetched, so the
   * first frame needs no manifest request. Ignored when it is another branch's or older than the one held.
   */
  useManifest(m: BranchManifest): void {
    if (this.disposed || m.battleId !== this.battleId || m.branchId !== this.branchId) return;
    this.takeManifest(m);
  }

  /** Resolves once stateAt(pos) can answer from the segment holding pos (or its parts). */
  async load(pos: number): Promise<void> {
    const m = await this.loadManifest();
    const ms = Math.min(pos, m.compiledMs);
    const k = this.indexFor(m, ms);
    if (k === null) return;
    if (!this.tail || (k < m.segments.length && !this.covers(pos))) return this.request(k);
    if (this.covers(pos)) return;
    // Past the listed segments: the last listed one's end (unless the cursor carries there), and the parts up to ms.
    const before = this.carries(m, k, ms) ? Promise.resolve() : this.request(k - 1);
    await Promise.all([before, this.tail.load(m, k, ms)]);
  }

  /** The world at playback time pos (null until its segment is in). Schedules fetches; never blocks. */
  stateAt(pos: number, motion: Motion = { playing: false, rate: 1 }): WorldState | null {
    const m = this._manifest;
    if (!m) {
      void this.loadManifest().catch(() => {});
      return this.cursor?.state ?? null;
    }
    const ms = Math.min(pos, m.compiledMs); // never fold an event past the frontier
    const k = this.indexFor(m, ms);
    if (k === null) return null;
    this.headIndex = k;
    const seg = this.held.get(k);
    if (seg) {
      this.held.delete(k); // recency for the LRU
      this.held.set(k, seg);
    }
    // Unless it can, the last frame stays up until the segment (or the parts) arrive.
    const shown = this.reach(m, k, ms, motion.playing ? (this.o.budget ?? null) : null);
    if (this.tail) {
      // Parts from the first segment the world will need events of and holds no payload of (the cursor's, or after).
      let from = Math.min(this.cursor?.index ?? k, k);
      while (this.held.has(from)) from++;
      this.tail.trim(from, this.cursor?.index);
      const upTo = motion.playing ? this.horizon(ms, motion.rate) : ms;
      this.tail.follow(m, from, upTo, (j) => this.requests.has(j));
    }
    if (!shown) return this.cursor?.state ?? null;
    if (motion.playing) this.prefetch(m, k, ms, motion.rate);
    this.scheduleSpare(); // a no-op unless held at a decision point
    return this.cursor?.state ?? null;
  }

  // ---- a fork's first frame made ahead (client/lib/forkSeed.ts) ----------------------------------------

  /**
   * Held at a decision point (the end of the cursor's segment, where the room's clock stops for a decision), in
   * idle time: unpack the segment's start again and fold it up to the decision point, so a fork made there starts
   * from that world (takeSpare) instead of unpacking and folding a 20,000-unit world on its first frame. The
   * client's counterpart of the server's checkpoint copy made ahead. One spare at a time (one more world in memory);
   * a fork that takes it leaves none, so another is folded (RESPARE_MS later) while the world stays there: a
   * player who forks, looks at the what-if and forks again at the same decision starts from a spare again.
   */
  private scheduleSpare(delayMs = 0): void {
    if (this.spareTimer || this.disposed || this.spareIndexDue() === null) return;
    this.spareTimer = setTimeout(() => {
      this.spareTimer = null;
      this.prepareSpare();
    }, delayMs);
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** The cursor's segment when it sits at that segment's end on a decision point without a spare yet; else null. */
  private spareIndexDue(): number | null {
    const c = this.cursor;
    const seg = c && this.held.get(c.index);
    if (this.leaving || !c || !seg || c.ms !== seg.payload.endMs || this.spare?.index === c.index) return null;
    return decisionCut(seg.payload) === null ? null : c.index;
  }

  /** Make the spare now (see scheduleSpare); true when one is held for the cursor's segment afterwards. */
  prepareSpare(): boolean {
    const k = this.spareIndexDue();
    if (k === null) return this.spare !== null && this.spare.index === this.cursor?.index;
    const p = (this.held.get(k) as Held).payload;
    const cut = decisionCut(p) as number;
    this.spare = { index: k, applied: cut, state: foldInto(unpackWorld(p.start), p.events.slice(0, cut)) };
    return true;
  }

  /** The segment a spare is held for (tests, benchmarks); null when none. */
  get spareIndex(): number | null {
    return this.spare?.index ?? null;
  }

  /** Hand over the spare of segment `index` folded through `applied` events (it is no longer this world's); else null. */
  takeSpare(index: number, applied: number): ForkSpare | null {
    const s = this.spare;
    if (!s || s.index !== index || s.applied !== applied) return null;
    this.spare = null;
    this.scheduleSpare(RESPARE_MS); // the next fork's, if this world stays at the decision (a preview, not a switch)
    return s;
  }

  /**
   * This world is being replaced by another branch's (a room switching branch: client/lib/branchWorld.ts). It may
   * still draw until the new one can, and hand its spare over (seedFork), but folds no new one.
   */
  leave(): void {
    this.leaving = true;
    if (this.spareTimer) clearTimeout(this.spareTimer);
    this.spareTimer = null;
  }

  // ---- segments obtained without a fetch (a fork's first segment from its parent's: client/lib/forkSeed.ts) ----

  /** Segment `index` as held (its payload). */
  peek(index: number): Readonly<Held> | undefined {
    return this.held.get(index);
  }

  /**
   * Hold a segment this world did not fetch (the same payload the server would send for it). Its start state is
   * unpacked when folded, like a fetched one's: worlds fold in place (foldInto), so no unpacked state is shared.
   * Ignored when held already or not in the manifest.
   */
  adopt(payload: SegmentPayload, from?: ForkSpare): void {
    const k = payload.index;
    if (this.disposed || this.held.has(k) || !this._manifest?.segments[k]) return;
    this.held.set(k, { payload });
    // A world already folded through the first `applied` events of this payload (its parent's spare: the same
    // events up to the fork's decision point): the cursor starts there, and folds only the fork's own events.
    if (from && from.index === k && from.applied > 0 && from.applied <= payload.events.length)
      this.cursor = { index: k, applied: from.applied, ms: payload.events[from.applied - 1].t, state: from.state };
    this.evict(k);
    this.o.onSegment?.(payload);
    this.o.onChange?.('segment');
  }

  dispose(): void {
    this.disposed = true;
    this.poll.stop();
    if (this.spareTimer) clearTimeout(this.spareTimer);
    this.spare = null;
    this.held.clear();
    this.tail?.clear();
  }

  // ---- internals --------------------------------------------------------------------------------

  /**
   * The segment to show for ms: the one holding it, or the last compiled one before it; past the listed segments,
   * the one in progress (segments.length) when its parts are followed.
   */
  private indexFor(m: BranchManifest, ms: number): number | null {
    const n = m.segments.length;
    if (n === 0) return null;
    const k = segmentIndexAt(m.segments, ms);
    if (k < n) return k;
    return this.tail && (this.tail.coming(m, n) || this.tail.run(n)) ? n : n - 1;
  }

  /** Where segment k ends, as far as it is compiled (the segment in progress: compiledMs). */
  private endOf(m: BranchManifest, k: number): number {
    return m.segments[k]?.endMs ?? m.compiledMs;
  }

  /** Segment k's events in memory: its payload's, else its parts'. */
  private run(m: BranchManifest, k: number): HeldEvents | null {
    const held = this.held.get(k)?.payload;
    if (held) return { events: held.events, startMs: held.startMs, endMs: held.endMs, whole: true };
    return this.tail?.eventsOf(m, k) ?? null;
  }

  /**
   * Bring the cursor to ms in segment k (as far as its events in memory go); false when it cannot yet (the segment
   * whose start state it needs is requested; the last frame stays up).
   */
  private reach(m: BranchManifest, k: number, ms: number, budget: FoldBudget | null): boolean {
    if (this.fold(m, k, Math.min(ms, this.endOf(m, k)), budget)) {
      // Followed by parts the server no longer lists (it completed, or moved on): the segment brings the rest.
      const own = this.run(m, k);
      if (this.tail && !own?.whole && k < m.segments.length && !this.tail.coming(m, k)) void this.request(k).catch(() => {});
      return true;
    }
    const c = this.cursor;
    // Still in the segment before, whose last parts are coming: show what is in.
    if (this.tail && c?.index === k - 1 && this.tail.coming(m, k - 1) && this.run(m, k))
      return this.fold(m, k - 1, this.endOf(m, k - 1), budget);
    if (k < m.segments.length || k === 0) {
      void this.request(k).catch(() => {}); // a seek (or a step back) into a listed segment: its start state
      return false;
    }
    // The segment in progress has no start state: the world at the end of the last listed one, then its parts.
    if (!this.reach(m, k - 1, this.endOf(m, k - 1), budget)) return false;
    return budget !== null || this.fold(m, k, ms, budget); // with a budget, on with it next call
  }

  /** Fold segment k up to ms from the cursor, across a boundary or from k's start state; false when neither can. */
  private fold(m: BranchManifest, k: number, ms: number, budget: FoldBudget | null): boolean {
    const own = this.run(m, k);
    let left = budget ? budget.events : Infinity;
    let c = this.cursor;
    if (c && c.index === k - 1 && own) {
      // Crossing a boundary forward: finish the previous segment, then carry its end state over.
      const prev = this.run(m, k - 1);
      if (prev?.whole) {
        if (c.applied < prev.events.length) {
          const end = runEnd(prev.events, Math.min(prev.events.length, c.applied + left));
          c.state = foldInto(c.state, prev.events.slice(c.applied, end));
          left -= end - c.applied;
          c.applied = end;
          if (end < prev.events.length) return true; // out of budget: on with it next call
        }
        c = { index: k, applied: 0, ms: own.startMs, state: c.state };
      }
    }
    let events = own?.events ?? NO_EVENTS;
    // A fresh world: none carried here, a step back, or the events the cursor folded no longer in memory.
    const lost = !own || own.events.length < (c?.applied ?? 0);
    if (!c || c.index !== k || lost || (ms < c.ms && c.applied > 0 && events[c.applied - 1].t > ms)) {
      const seg = this.held.get(k)?.payload;
      if (!seg) return false; // no start state for k in memory
      // A fresh world from the packed start, owned by the cursor alone: folding then updates its units in place
      // (foldInto), with no copy of a 20,000-unit map per frame. A step back unpacks again.
      const sliced = budget !== null && this.cursor !== null;
      const fresh = this.unpacking.next(k, seg.start, sliced ? budget.units : Infinity);
      if (!fresh) return true; // still unpacking: the previous world stays up
      c = { index: k, applied: 0, ms: seg.startMs, state: fresh };
      events = seg.events;
      // Its events from the next call: the views take in a new world (new unit list) in this frame.
      if (sliced) {
        this.enter(c);
        return true;
      }
    }
    // Fold the due run as one batch.
    let end = c.applied;
    while (end < events.length && events[end].t <= ms && end - c.applied < left) end++;
    end = runEnd(events, end);
    if (end > c.applied) {
      c.state = foldInto(c.state, events.slice(c.applied, end));
      c.applied = end;
    }
    const reached = Math.min(ms, own?.endMs ?? ms); // parts: no further than the events in memory
    c.ms = end < events.length && events[end].t <= ms ? events[Math.max(0, end - 1)].t : reached;
    this.enter(c);
    if (this.spare && this.spare.index !== k) this.spare = null; // moved on: the decision point is left behind
    return true;
  }

  /**
   * The cursor moves to c. Entering another segment held in memory (a seek, a step back, or playing across a
   * boundary) hands its events over (onSegment): the visuals keep only what is near the play head, so after a seek
   * back they need them again. Handed over twice is harmless: the views drop events they hold (by seq).
   */
  private enter(c: Cursor): void {
    const from = this.cursor?.index;
    this.cursor = c;
    if (from === c.index) return;
    const held = this.held.get(c.index);
    if (held) this.o.onSegment?.(held.payload);
  }

  private horizon(ms: number, rate: number): number {
    return ms + Math.max(rate, 0) * (this.o.prefetchWallMs ?? 6000);
  }

  private prefetch(m: BranchManifest, k: number, ms: number, rate: number): void {
    const horizon = this.horizon(ms, rate);
    // No more ahead than the cache holds besides the current and the cursor's segments: short segments (cut at
    // decision points) put several inside one horizon, and fetching past the cache would evict the one in use.
    const ahead = Math.max(1, this.cacheMax() - 2);
    const aheadBytes = this.o.aheadBytes ?? AHEAD_BYTES;
    // Nor more than the cache holds beside the segments in use (k, and the cursor's while a start is unpacked):
    // fetching past it would evict one fetched ahead, to fetch it again on the next frame.
    const c = this.cursor;
    const room = (this.o.cacheBytes ?? CACHE_BYTES) - this.sizeOf(k) - (c && c.index !== k ? this.sizeOf(c.index) : 0);
    let bytes = 0;
    for (let j = k + 1; j < m.segments.length && j <= k + ahead && m.segments[j].startMs < horizon; j++) {
      // Enough held ahead (the next one is always fetched).
      if (j > k + 1 && (bytes >= aheadBytes || bytes + m.segments[j].bytes > room)) break;
      bytes += m.segments[j].bytes;
      // The cursor plays into a segment by its parts: no start state needed.
      if (this.tail && (this.tail.coming(m, j) || this.run(m, j)?.whole)) continue;
      void this.request(j).catch(() => {});
    }
  }

  private request(k: number): Promise<void> {
    if (this.held.has(k)) return Promise.resolve();
    return this.requests.run(k, `segment ${k}`, () =>
      this.source
        .getSegment(this.battleId, this.branchId, k, { room: this.o.room, hash: this._manifest?.segments[k]?.hash })
        .then((payload) => {
          if (this.disposed) return;
          this.held.set(k, { payload });
          this.evict(k);
          this.o.onChange?.('segment');
        }),
    );
  }

  private cacheMax(): number {
    return Math.max(2, this.o.cacheSegments ?? 8);
  }

  /** A listed segment's size (the manifest's `bytes`). */
  private sizeOf(index: number): number {
    return this._manifest?.segments[index]?.bytes ?? 0;
  }

  private evict(keep: number): void {
    const max = this.cacheMax();
    const maxBytes = this.o.cacheBytes ?? CACHE_BYTES;
    let bytes = 0;
    for (const idx of this.held.keys()) bytes += this.sizeOf(idx);
    if (this.held.size <= max && bytes <= maxBytes) return;
    // Never the one just taken, the cursor's or the play head's. Those behind the play head first, least recently
    // used first (the map's order); then those ahead, farthest first. Recency alone let a segment fetched ahead go
    // before the one just played past (playing at 16x fetched some segments twice).
    const head = this.headIndex ?? keep;
    const spare = [...this.held.keys()].filter((i) => i !== keep && i !== this.cursor?.index && i !== head);
    const order = [...spare.filter((i) => i < head), ...spare.filter((i) => i > head).sort((a, b) => b - a)];
    for (const idx of order) {
      if (this.held.size <= max && bytes <= maxBytes) break;
      bytes -= this.sizeOf(idx);
      this.held.delete(idx);
    }
  }

  private async fetchManifest(): Promise<BranchManifest> {
    const m = await this.source.getManifest(this.battleId, this.branchId, { room: this.o.room });
    if (this.disposed) return m;
    this.takeManifest(m);
    return m;
  }

  private takeManifest(m: BranchManifest): void {
    const old = this._manifest;
    if (old?.complete) return;
    // An older answer overtaken by a newer one is dropped (a part's manifest and the listing after it share compiledMs).
    if (!old || m.compiledMs > old.compiledMs || (m.compiledMs === old.compiledMs && m.segments.length >= old.segments.length)) {
      this._manifest = m;
      this.o.onChange?.('manifest');
    }
    this.poll.schedule(() => this._manifest);
  }
}

/** Events of a segment up to and with a `decision:point` at its end (the last such), or null when none is there. */
function decisionCut(p: SegmentPayload): number | null {
  const ev = p.events;
  for (let i = ev.length - 1; i >= 0 && ev[i].t === p.endMs; i--) if (ev[i].type === 'decision:point') return i + 1;
  return null;
}
