import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { approxTimelineBytes } from '../../replays/index.js';
import type { TimelineService } from './TimelineService.js';

/**
 * Process-local cache in front of a TimelineService, so the playback loop resolves a room's timeline
 * without awaiting the engine every tick. Keeps the most recently used timelines within `max` entries and
 * `maxBytes` (approxTimelineBytes: a large battle's timeline weighs ~100 times a small one's); concurrent
 * requests for the same branch share one promise. A dropped timeline is fetched again (the same bytes).
 */
export class TimelineCache {
  private readonly entries = new Map<string, Promise<Timeline | null>>();
  private readonly ready = new Map<string, Timeline>();
  private readonly sizes = new Map<string, number>();
  private total = 0;

  constructor(
    readonly service: TimelineService,
    private readonly max = 64,
    private readonly maxBytes = Infinity,
  ) {}

  /** Approximate bytes of the timelines held. */
  get bytes(): number {
    return this.total;
  }

  /** Synchronous hit, for the playback loop's hot path. */
  peek(battleId: string, branchId: string): Timeline | undefined {
    return this.ready.get(`${battleId}/${branchId}`);
  }

  async get(battleId: string, branchId: string, decisions?: DecisionChoice[]): Promise<Timeline | null> {
    const key = `${battleId}/${branchId}`;
    let p = this.entries.get(key);
    if (p) {
      this.entries.delete(key); // refresh LRU order
      this.entries.set(key, p);
      return p;
    }
    p = this.service.timeline(battleId, branchId, decisions).then((tl) => {
      if (tl && this.entries.get(key) === p) this.setReady(key, tl);
      else if (!tl) this.entries.delete(key); // do not cache misses: the branch may be created later
      return tl;
    });
    p.catch(() => this.entries.delete(key));
    this.entries.set(key, p);
    this.trim(key);
    return p;
  }

  /** Register a timeline produced elsewhere (a fork just compiled). */
  put(tl: Timeline): void {
    const key = `${tl.battleId}/${tl.branchId}`;
    this.entries.delete(key);
    this.entries.set(key, Promise.resolve(tl));
    this.setReady(key, tl);
  }

  private setReady(key: string, tl: Timeline): void {
    this.total -= this.sizes.get(key) ?? 0;
    const bytes = approxTimelineBytes(tl);
    this.ready.set(key, tl);
    this.sizes.set(key, bytes);
    this.total += bytes;
    this.trim(key);
  }

  /** Drop least recently used entries past the bounds (never `keep`, the one just added). */
  private trim(keep: string): void {
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.max && this.total <= this.maxBytes) break;
      if (k === keep) continue;
      this.entries.delete(k);
      this.ready.delete(k);
      this.total -= this.sizes.get(k) ?? 0;
      this.sizes.delete(k);
    }
  }
}
