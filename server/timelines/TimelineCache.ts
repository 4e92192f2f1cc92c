import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { TimelineService } from './TimelineService.js';

/**
 * Process-local cache in front of a TimelineService, so the playback loop resolves a room's timeline
 * without awaiting the engine every tick. Keeps the most recently used `max` timelines; concurrent
 * requests for the same branch share one promise.
 */
export class TimelineCache {
  private readonly entries = new Map<string, Promise<Timeline | null>>();
  private readonly ready = new Map<string, Timeline>();

  constructor(
    readonly service: TimelineService,
    private readonly max = 64,
  ) {}

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
      if (tl) this.ready.set(key, tl);
      else this.entries.delete(key); // do not cache misses: the branch may be created later
      return tl;
    });
    p.catch(() => this.entries.delete(key));
    this.entries.set(key, p);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.ready.delete(oldest);
    }
    return p;
  }

  /** Register a timeline produced elsewhere (a fork just compiled). */
  put(tl: Timeline): void {
    const key = `${tl.battleId}/${tl.branchId}`;
    this.ready.set(key, tl);
    this.entries.set(key, Promise.resolve(tl));
  }
}
