import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { ByteLru } from '../../shared/cache/ByteLru.js';
import { approxTimelineBytes } from '../../replays/index.js';
import type { TimelineService } from './TimelineService.js';

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
 */
export class TimelineCache {
  private readonly lru: ByteLru<Slot>;

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
  }

  private ready(key: string, slot: Slot, tl: Timeline): void {
    slot.ready = tl;
    this.lru.set(key, slot, { bytes: approxTimelineBytes(tl), pinned: false });
  }
}
