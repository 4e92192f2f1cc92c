import type { BattleEvent } from '../../../../shared/battle/events.js';

// Which units' drawing changed, and when: the ids named by the events that move a unit or change its status or
// side, kept per batch of events as they arrive (a segment's events, a socket window). The unit layer keeps its
// own columns of positions, statuses and sides (unitLayer.ts) and, as the world is folded forward in place,
// re-reads only the units named by the events folded since its last frame instead of all 20,000 unit objects.
// Shields and hull are not followed: they are read from the units when drawn big enough to show them.

interface Batch {
  firstSeq: number;
  /** Events in the batch (with those that touch no unit): tells a batch seen already. */
  events: number;
  t: Float64Array;
  ids: string[];
}

export class UnitTouches {
  private batches: Batch[] = [];

  reset(): void {
    this.batches = [];
  }

  /** A batch of consecutive events (seq order). A batch seen already (same first seq and size) is skipped. */
  add(events: readonly BattleEvent[]): void {
    if (events.length === 0) return;
    const firstSeq = events[0].seq;
    // Handed over again (a segment world replaying a held segment): its batch is here already.
    if (this.batches.some((b) => b.firstSeq === firstSeq && b.events === events.length)) return;
    const t: number[] = [];
    const ids: string[] = [];
    for (const ev of events) {
      if (ev.type === 'unit:move' || ev.type === 'unit:status') {
        t.push(ev.t);
        ids.push(ev.id);
      } else if (ev.type === 'unit:side')
        for (const id of ev.ids) {
          t.push(ev.t);
          ids.push(id);
        }
    }
    this.batches.push({ firstSeq, events: events.length, t: Float64Array.from(t), ids });
  }

  /**
   * Forget batches that end at or before ms (FxIndex keeps what is near the play head). A world lagging the play head
   * by more than that misses them: the unit layer's rolling re-read of 512 units a frame catches those units up.
   */
  drop(ms: number): void {
    this.batches = this.batches.filter((b) => b.t.length > 0 && b.t[b.t.length - 1] > ms);
  }

  /** Calls fn with the id of every unit touched by an event with fromMs < t <= toMs (repeats possible). */
  forEach(fromMs: number, toMs: number, fn: (id: string) => void): void {
    for (const b of this.batches) {
      const n = b.t.length;
      if (n === 0 || b.t[0] > toMs || b.t[n - 1] <= fromMs) continue;
      for (let i = after(b.t, fromMs); i < n && b.t[i] <= toMs; i++) fn(b.ids[i]);
    }
  }
}

/** First index with t > ms (t ascending). */
function after(t: Float64Array, ms: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
