import type { BattleEvent } from '../../shared/battle/events.js';
import type { BranchManifest, PartInfo, PartPayload } from '../../shared/battle/segments.js';
import { KeyedFetches } from './keyedFetches.js';

// The newest events of a branch still compiling, from its parts (docs/protocol.md, "Segments"; PART_MS in
// shared/battle/segments.ts): per segment, the events of its parts 0..n in order, with no start state. A
// SegmentWorld carries its world into such a segment from the one before and folds these events, so it plays up to
// the compiled frontier in PART_MS steps, and a segment whose parts it holds whole is never fetched.

export type GetPart = (
  battleId: string,
  branchId: string,
  index: number,
  part: number,
  opts?: { room?: string; hash?: string },
) => Promise<PartPayload>;

/** The events of one segment from its parts: a contiguous prefix from its start. */
export interface PartRun {
  index: number;
  startMs: number;
  /** The end of the last part folded in (= startMs before any). */
  endMs: number;
  firstSeq: number;
  events: BattleEvent[];
  /** Parts 0..parts-1 are in `events`. */
  parts: number;
  /** Parts arrived ahead of a missing one (requests run concurrently), joined once it is in. */
  early: Map<number, PartPayload>;
}

/** The events of a segment in memory: its payload's, or its parts' (a prefix from its start while they come). */
export interface HeldEvents {
  events: readonly BattleEvent[];
  startMs: number;
  /** The end of what is in memory (the segment's end when whole). */
  endMs: number;
  /** All of the segment's events. */
  whole: boolean;
}

export const NO_EVENTS: readonly BattleEvent[] = [];

export interface PartTailOptions {
  battleId: string;
  branchId: string;
  room?: string;
  onPart?: (part: PartPayload) => void;
  onError?: (err: Error) => void;
  now: () => number;
}

/** Part requests in flight at once: the next ones are asked for as these land (a part is a second of events). */
const IN_FLIGHT = 4;
/** Segments whose parts are followed and kept: from the first one the world has no payload of, this many. */
const RUNS_KEPT = 2;

export class PartTail {
  private readonly runs = new Map<number, PartRun>();
  private readonly requests: KeyedFetches<string>;
  /** Segments whose parts the server no longer holds (a 404): their segment is fetched instead. */
  private readonly gone = new Set<number>();
  /** The last follow() asked: taken up again as parts land (a few are in flight at a time). */
  private following: Parameters<PartTail['follow']> | null = null;

  constructor(
    private readonly getPart: GetPart,
    private readonly o: PartTailOptions,
  ) {
    this.requests = new KeyedFetches<string>(o.now, o.onError);
  }

  /** Every part request made, as "index/part" (tests read it). */
  get fetched(): readonly string[] {
    return this.requests.fetched;
  }

  /** Whether the manifest lists parts of segment `index` that can still be fetched. */
  coming(m: BranchManifest, index: number): boolean {
    return !this.gone.has(index) && !!m.parts?.some((p) => p.index === index);
  }

  run(index: number): PartRun | undefined {
    return this.runs.get(index);
  }

  /** Segment k's events from its parts; none yet while they are listed (the cursor may carry into it already). */
  eventsOf(m: BranchManifest, k: number): HeldEvents | null {
    const info = m.segments[k];
    const r = this.runs.get(k);
    if (r && r.parts > 0) {
      const whole = !!info && r.endMs === info.endMs && r.firstSeq === info.firstSeq && r.events.length === info.eventCount;
      return { events: r.events, startMs: r.startMs, endMs: r.endMs, whole };
    }
    if (!this.coming(m, k)) return null;
    const startMs = info ? info.startMs : m.segments[k - 1].endMs;
    return { events: NO_EVENTS, startMs, endMs: startMs, whole: false };
  }

  /**
   * Ask for the listed parts of segments `from` to `from + RUNS_KEPT - 1` that start before `upTo` and are not in
   * yet, in order, a few at a time. `skip`: segments not to follow by parts (being fetched whole).
   */
  follow(m: BranchManifest, from: number, upTo: number, skip: (index: number) => boolean): void {
    this.following = [m, from, upTo, skip];
    for (const p of m.parts ?? []) {
      if (this.requests.inFlight >= IN_FLIGHT) return;
      if (p.index < from || p.index >= from + RUNS_KEPT || p.startMs >= upTo || this.gone.has(p.index) || skip(p.index)) continue;
      const r = this.runs.get(p.index);
      if (r && (p.part < r.parts || r.early.has(p.part))) continue;
      void this.request(p).catch(() => {});
    }
  }

  /** Resolves once the listed parts of segment `index` before `upTo` are in (or could not be fetched). */
  async load(m: BranchManifest, index: number, upTo: number): Promise<void> {
    const due = (m.parts ?? []).filter((p) => p.index === index && p.startMs < upTo);
    await Promise.all(due.map((p) => this.request(p).catch(() => {})));
  }

  /** Keep the runs of segments `from` to `from + RUNS_KEPT - 1` (the ones follow() fills), and the cursor's. */
  trim(from: number, cursor?: number): void {
    for (const k of this.runs.keys()) if (k !== cursor && (k < from || k >= from + RUNS_KEPT)) this.runs.delete(k);
  }

  clear(): void {
    this.runs.clear();
    this.following = null;
  }

  private request(p: PartInfo): Promise<void> {
    const key = `${p.index}/${p.part}`;
    const r = this.runs.get(p.index);
    if (r && (p.part < r.parts || r.early.has(p.part))) return Promise.resolve();
    const { battleId, branchId, room } = this.o;
    return this.requests.run(
      key,
      `part ${key}`,
      () =>
        this.getPart(battleId, branchId, p.index, p.part, { room, hash: p.hash }).then((payload) => {
          this.add(payload);
          this.o.onPart?.(payload);
        }),
      // Not held any more (the branch completed, or the segment is no longer the newest): fetch the segment.
      (err) => {
        if ((err as { status?: unknown }).status === 404) this.gone.add(p.index);
      },
      () => {
        if (this.following) this.follow(...this.following); // the next ones due
      },
    );
  }

  /** Join a part to its segment's run: in order, each starting at the seq and time the run ends at. */
  private add(p: PartPayload): void {
    let r = this.runs.get(p.index);
    if (!r) {
      r = { index: p.index, startMs: p.startMs, endMs: p.startMs, firstSeq: p.firstSeq, events: [], parts: 0, early: new Map() };
      this.runs.set(p.index, r);
    }
    if (p.part < r.parts) return;
    r.early.set(p.part, p);
    for (let next = r.early.get(r.parts); next; next = r.early.get(r.parts)) {
      r.early.delete(r.parts);
      if (r.parts === 0) {
        r.startMs = r.endMs = next.startMs;
        r.firstSeq = next.firstSeq;
      }
      if (next.startMs !== r.endMs || next.firstSeq !== r.firstSeq + r.events.length) {
        // Does not line up (never from one server): drop the run; the segment is fetched instead.
        this.runs.delete(p.index);
        this.gone.add(p.index);
        return;
      }
      for (const ev of next.events) r.events.push(ev);
      r.endMs = next.endMs;
      r.parts++;
    }
  }
}
