import type { BattleEvent } from './events.js';
import { applyEvents } from './reducer.js';
import { emptyWorld, type WorldState } from './state.js';
import type { Keyframe } from './timeline.js';

/** Index of the first event with t > ms (events are ordered by t, then seq). */
export function eventIndexAfter(events: readonly { t: number }[], ms: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid].t <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last keyframe at or before ms (keyframes are ordered by t). */
export function keyframeAtOrBefore(keyframes: readonly Keyframe[], ms: number): Keyframe | null {
  let lo = 0;
  let hi = keyframes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyframes[mid].t <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : keyframes[lo - 1];
}

/**
 * The world at playback time ms: nearest keyframe plus the events after it.
 * Cost is bounded by the keyframe interval, not by the position in the timeline.
 */
export function stateAt(events: readonly BattleEvent[], keyframes: readonly Keyframe[], ms: number): WorldState {
  const kf = keyframeAtOrBefore(keyframes, ms);
  let state = kf ? kf.state : emptyWorld();
  const end = eventIndexAfter(events, ms);
  // One batched fold (one copy of the unit map), not one copy per event: matters with thousands of units.
  if (end > state.nextSeq) state = applyEvents(state, events.slice(state.nextSeq, end));
  return state;
}
