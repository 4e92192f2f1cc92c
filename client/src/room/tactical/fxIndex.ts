import type { BattleEvent } from '../../../../shared/battle/events.js';
import { eventIndexAfter } from '../../../../shared/battle/seek.js';
import { UnitTouches } from './unitTouches.js';

// Short-lived visuals (weapons fire, effects) need the events themselves, not just the folded state.
// This keeps the fire/effect events of one branch sorted by time so a frame can take the slice of
// the last few hundred ms with two binary searches.

export type FireEvent = Extract<BattleEvent, { type: 'unit:fire' }>;
/** Every shot of one step (battles that send volleys): drawn as its shots, one beam each. */
export type VolleyEvent = Extract<BattleEvent, { type: 'unit:volley' }>;
export type EffectEvent = Extract<BattleEvent, { type: 'effect' }>;
export type FxEvent = FireEvent | VolleyEvent | EffectEvent;

export function isFx(ev: BattleEvent): ev is FxEvent {
  return ev.type === 'unit:fire' || ev.type === 'unit:volley' || ev.type === 'effect';
}

export class FxIndex {
  private events: FxEvent[] = [];
  private seen = new Set<number>();
  branchId: string | null = null;
  /** The same events' unit changes (moves, statuses, sides), for the unit layer's columns. */
  readonly touches = new UnitTouches();

  reset(branchId: string | null, events: readonly BattleEvent[] = []): void {
    this.branchId = branchId;
    this.events = [];
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
  }

  get size(): number {
    return this.events.length;
  }

  /** Events with fromMs < t <= toMs, at most `limit` (the latest ones; a volley counts as one). */
  range(fromMs: number, toMs: number, limit = Infinity): FxEvent[] {
    const hi = eventIndexAfter(this.events, toMs);
    let lo = eventIndexAfter(this.events, fromMs);
    if (hi - lo > limit) lo = hi - limit;
    return this.events.slice(lo, hi);
  }
}
