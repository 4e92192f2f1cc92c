import type { BattleEvent } from '../../../../shared/battle/events.js';
import { eventIndexAfter } from '../../../../shared/battle/seek.js';
import { UnitTouches } from './unitTouches.js';

// Short-lived visuals (weapons fire, effects) need the events themselves, not just the folded state.
// This keeps the fire/effect events of one branch sorted by time so a frame can take the slice of
// the last moments with two binary searches. It keeps nothing older than the last range asked reaches back, nor than
// KEEP_BEHIND_MS behind its end (the play head): a 20,000-unit battle's fight sends ~2 MB of volleys and effects per
// 10 s segment, and a whole battle's worth kept for good grew the page's heap, and its collections, without bound
// (issue #14). What is dropped goes when a range is asked (after the frame's fold: events handed over by that fold
// are judged against the new play head). A segment world hands a held segment's events over again whenever its
// world enters that segment (client/lib/segmentWorld.ts), so fire is drawn again after a seek back.

export type FireEvent = Extract<BattleEvent, { type: 'unit:fire' }>;
/** Every shot of one step (battles that send volleys): drawn as its shots, one beam each. */
export type VolleyEvent = Extract<BattleEvent, { type: 'unit:volley' }>;
export type EffectEvent = Extract<BattleEvent, { type: 'effect' }>;
export type FxEvent = FireEvent | VolleyEvent | EffectEvent;

export function isFx(ev: BattleEvent): ev is FxEvent {
  return ev.type === 'unit:fire' || ev.type === 'unit:volley' || ev.type === 'effect';
}

/**
 * How far behind the play head fire and effects are kept at least, in playback ms; a longer range asked keeps its
 * length (at 16x the views look back 64 s: a beam lasts 5.6 s of battle, a wormhole's opening 64 s).
 */
export const KEEP_BEHIND_MS = 30_000;
/** Dropping waits until this much more playback can go (no slicing of the arrays every frame). */
const DROP_STEP_MS = 5_000;

export class FxIndex {
  private events: FxEvent[] = [];
  /** Everything before this was dropped (or nothing was: -Infinity). */
  private droppedTo = Number.NEGATIVE_INFINITY;
  private seen = new Set<number>();
  /** Batches added and held whole ("firstSeq:length" -> their first event's t). */
  private readonly whole = new Map<string, number>();
  branchId: string | null = null;
  /** The same events' unit changes (moves, statuses, sides), for the unit layer's columns. */
  readonly touches = new UnitTouches();

  reset(branchId: string | null, events: readonly BattleEvent[] = []): void {
    this.branchId = branchId;
    this.events = [];
    this.droppedTo = Number.NEGATIVE_INFINITY;
    this.seen.clear();
    this.whole.clear();
    this.touches.reset();
    this.add(events);
  }

  /** Add events (streamed windows may overlap what we have: duplicates by seq are dropped). */
  add(events: readonly BattleEvent[]): void {
    // A batch held whole already (handed over again on entering its segment): no pass over its (up to 30,000) events.
    const key = events.length ? `${events[0].seq}:${events.length}` : '';
    if (this.whole.has(key)) return;
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
    if (events.length) this.whole.set(key, events[0].t);
  }

  /** Forget what happened at or before ms (fire and effects, and the touches). */
  private drop(ms: number): void {
    this.droppedTo = ms;
    this.touches.drop(ms);
    // A batch that lost events is no longer held whole: handed over again (a seek back), it is taken again.
    for (const [key, firstT] of this.whole) if (firstT <= ms) this.whole.delete(key);
    const lo = eventIndexAfter(this.events, ms);
    if (lo === 0) return;
    for (let i = 0; i < lo; i++) this.seen.delete(this.events[i].seq);
    this.events = this.events.slice(lo);
  }

  get size(): number {
    return this.events.length;
  }

  /** Events with fromMs < t <= toMs, at most `limit` (the latest ones; a volley counts as one). */
  range(fromMs: number, toMs: number, limit = Infinity): FxEvent[] {
    const keepFrom = Math.min(fromMs, toMs - KEEP_BEHIND_MS);
    // Played on far enough since the last drop (a seek back only moves the mark back: nothing to drop then).
    if (keepFrom < this.droppedTo) this.droppedTo = keepFrom;
    else if (keepFrom - this.droppedTo >= DROP_STEP_MS) this.drop(keepFrom);
    const hi = eventIndexAfter(this.events, toMs);
    let lo = eventIndexAfter(this.events, fromMs);
    if (hi - lo > limit) lo = hi - limit;
    return this.events.slice(lo, hi);
  }
}
