import type { BattleEvent } from '../../../../shared/battle/events.js';
import { eventIndexAfter } from '../../../../shared/battle/seek.js';
import { UnitTouches } from './unitTouches.js';

// Short-lived visuals (weapons fire, effects) need the events themselves, not just the folded state.
// This keeps the fire/effect events of one branch sorted by time so a frame can take the slice of
// the last few hundred ms with two binary searches. It keeps no more than KEEP_BEHIND_MS behind the play head (the
// last range asked): a 20,000-unit battle's fight sends ~2 MB of volleys and effects per 10 s segment, and a whole
// battle's worth kept for good grew the page's heap, and its collections, without bound (issue #14). A segment world
// hands a held segment's events over again when it plays from it afresh (after a seek), so a seek back redraws fire.

export type FireEvent = Extract<BattleEvent, { type: 'unit:fire' }>;
/** Every shot of one step (battles that send volleys): drawn as its shots, one beam each. */
export type VolleyEvent = Extract<BattleEvent, { type: 'unit:volley' }>;
export type EffectEvent = Extract<BattleEvent, { type: 'effect' }>;
export type FxEvent = FireEvent | VolleyEvent | EffectEvent;

export function isFx(ev: BattleEvent): ev is FxEvent {
  return ev.type === 'unit:fire' || ev.type === 'unit:volley' || ev.type === 'effect';
}

/** How far behind the play head fire and effects are kept, in playback ms (fire is drawn for a few hundred ms). */
export const KEEP_BEHIND_MS = 30_000;

export class FxIndex {
  private events: FxEvent[] = [];
  /** The play head: the end of the last range asked (nothing is dropped before a first one). */
  private head = -Infinity;
  private seen = new Set<number>();
  branchId: string | null = null;
  /** The same events' unit changes (moves, statuses, sides), for the unit layer's columns. */
  readonly touches = new UnitTouches();

  reset(branchId: string | null, events: readonly BattleEvent[] = []): void {
    this.branchId = branchId;
    this.events = [];
    this.head = -Infinity;
    this.seen.clear();
    this.touches.reset();
    this.add(events);
  }

  /** Add events (streamed windows may overlap what we have: duplicates by seq are dropped). */
  add(events: readonly BattleEvent[]): void {
    this.touches.add(events);
    let sorted = true;
    for (const ev of events) {
      if (!isFx(ev) || this.seen.has(ev.seq)) continue;
      this.seen.add(ev.seq);
      const last = this.events[this.events.length - 1];
      if (last && (last.t > ev.t || (last.t === ev.t && last.seq > ev.seq))) sorted = false;
      this.events.push(ev);
    }
    if (!sorted) this.events.sort((a, b) => a.t - b.t || a.seq - b.seq);
    this.drop(this.head - KEEP_BEHIND_MS);
  }

  /** Forget what happened before ms (when new events come in: the views ask for ranges every frame). */
  private drop(ms: number): void {
    const lo = eventIndexAfter(this.events, ms);
    if (lo === 0) return;
    for (let i = 0; i < lo; i++) this.seen.delete(this.events[i].seq);
    this.events = this.events.slice(lo);
    this.touches.drop(ms);
  }

  get size(): number {
    return this.events.length;
  }

  /** Events with fromMs < t <= toMs, at most `limit` (the latest ones; a volley counts as one). */
  range(fromMs: number, toMs: number, limit = Infinity): FxEvent[] {
    this.head = toMs;
    const hi = eventIndexAfter(this.events, toMs);
    let lo = eventIndexAfter(this.events, fromMs);
    if (hi - lo > limit) lo = hi - limit;
    return this.events.slice(lo, hi);
  }
}
