import { summarizeTimeline, type Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { ByteLru } from '../../shared/cache/ByteLru.js';
import { approxTimelineBytes } from '../../replays/index.js';
import type { ForkedBranch, TimelineMeta, TimelineService } from './TimelineService.js';

/** Branch metadata kept on the main thread (a few KB each). */
const MAX_METAS = 4096;

interface Slot {
  promise: Promise<Timeline | null>;
  /** Set once the promise resolved with a timeline (the entry's bytes are counted from then). */
  ready?: Timeline;
}

/**
 * Process-local cache in front of a TimelineService, so the playback loop resolves a room's timeline
 * without awaiting the engine every tick. Keeps the most recently used timelines within `max` entries and
 * `maxBytes` (approxTimelineBytes: a large battle's timeline weighs ~100 times a small one's); concurrent
 * requests for the same branch share one promise (pinned while it is pending). A dropped timeline is fetched
 * again (the same bytes).
 *
 * Room commands read only a branch's metadata (`meta`: phases, decision points, duration, outcome): kept apart,
 * bounded by entries, and fetched without the events, so a command on a room whose branch's timeline was
 * dropped never copies the timeline back. Whole timelines (`get`) are for socket delivery and the HTTP
 * timeline route.
 */
export class TimelineCache {
  private readonly lru: ByteLru<Slot>;
  private readonly metas = new ByteLru<Promise<TimelineMeta | null>>({ maxEntries: MAX_METAS });

  constructor(
    readonly service: TimelineService,
    max = 64,
    maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.lru = new ByteLru<Slot>({ maxEntries: max, maxBytes });
  }

  /** Approximate bytes of the timelines held. */
  get bytes(): number {
    return this.lru.bytes;
  }

  /** Synchronous hit, for the playback loop's hot path (recency unchanged). */
  peek(battleId: string, branchId: string): Timeline | undefined {
    return this.lru.peek(`${battleId}/${branchId}`)?.ready;
  }

  async get(battleId: string, branchId: string, decisions?: DecisionChoice[]): Promise<Timeline | null> {
    const key = `${battleId}/${branchId}`;
    const hit = this.lru.get(key);
    if (hit) return hit.promise;
    const slot: Slot = {
      promise: this.service.timeline(battleId, branchId, decisions).then((tl) => {
        if (tl && this.lru.peek(key) === slot) this.ready(key, slot, tl);
        else if (!tl && this.lru.peek(key) === slot) this.lru.delete(key); // misses are not cached: the branch may be created later
        return tl;
      }),
    };
    slot.promise.catch(() => {
      if (this.lru.peek(key) === slot) this.lru.delete(key);
    });
    this.lru.set(key, slot, { bytes: 0, pinned: true }); // in use until it resolves: never evicted while fetched
    return slot.promise;
  }

  /** Register a timeline produced elsewhere (a fork just compiled). */
  put(tl: Timeline): void {
    const key = `${tl.battleId}/${tl.branchId}`;
    this.lru.set(key, { promise: Promise.resolve(tl), ready: tl }, { bytes: approxTimelineBytes(tl), pinned: false });
    this.metas.set(key, Promise.resolve(summarizeTimeline(tl)));
  }

  /** Metadata held (or being fetched), recency unchanged; undefined when not. */
  peekMeta(battleId: string, branchId: string): Promise<TimelineMeta | null> | undefined {
    return this.metas.peek(`${battleId}/${branchId}`);
  }

  /**
   * A branch's metadata: from a timeline held here, else the metadata kept, else the service's `meta` (no
   * events cross). `decisions` rebuild a branch the service does not know (as for `get`).
   */
  meta(battleId: string, branchId: string, decisions?: DecisionChoice[]): Promise<TimelineMeta | null> {
    const key = `${battleId}/${branchId}`;
    const hit = this.metas.get(key);
    if (hit) return hit;
    const held = this.lru.peek(key)?.ready;
    const p = held ? Promise.resolve(summarizeTimeline(held)) : this.service.meta(battleId, branchId, decisions);
    this.metas.set(key, p);
    // Misses and failures are not kept: the branch may be created later, the worker may come back.
    p.then(
      (m) => {
        if (!m && this.metas.peek(key) === p) this.metas.delete(key);
      },
      () => {
        if (this.metas.peek(key) === p) this.metas.delete(key);
      },
    );
    return p;
  }

  /** Register the metadata of a fork (its worker sends no events back); ignored without its event count. */
  putMeta(b: ForkedBranch | TimelineMeta | Timeline): void {
    const meta = 'events' in b ? summarizeTimeline(b) : 'eventCount' in b ? b : null;
    if (meta) this.metas.set(`${b.battleId}/${b.branchId}`, Promise.resolve(meta));
  }

  private ready(key: string, slot: Slot, tl: Timeline): void {
    slot.ready = tl;
    this.lru.set(key, slot, { bytes: approxTimelineBytes(tl), pinned: false });
  }
}
