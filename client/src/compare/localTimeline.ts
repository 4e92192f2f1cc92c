import type { BattleEvent } from '../../../shared/battle/events.js';
import { applyEvents } from '../../../shared/battle/reducer.js';
import { eventIndexAfter } from '../../../shared/battle/seek.js';
import { emptyWorld, type WorldState } from '../../../shared/battle/state.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { getTimeline } from '../api.js';

// A branch's timeline held in the page, for a private preview or a compare view: the events come
// from `GET /api/battles/:id/timeline?branch=ID&keyframes=none` (the server's keyframes of a big
// battle are ~100 MB of JSON) and the page folds its own keyframes with the shared reducer. The
// world at a position is the nearest keyframe plus the events after it, folded as one batch, and a
// cursor makes playing forward cost only the new events.

export const LOCAL_KEYFRAME_MS = 5000;

export type LeanTimeline = Omit<Timeline, 'keyframes'> & { keyframes?: unknown[] };

export async function fetchLeanTimeline(battleId: string, branchId: string, roomId?: string): Promise<LeanTimeline> {
  try {
    return await getTimeline(battleId, branchId, { keyframes: 'none', room: roomId });
  } catch (err) {
    throw new Error(`Could not load branch ${branchId}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class LocalTimeline {
  readonly events: readonly BattleEvent[];
  /** keyframes[i] = state after every event with t <= i * LOCAL_KEYFRAME_MS. */
  private readonly keyframes: WorldState[] = [];
  private cursor: { state: WorldState; next: number; ms: number } | null = null;

  constructor(readonly timeline: LeanTimeline) {
    this.events = timeline.events;
    // One pass over the events; applyEvents copies the unit map once per batch, not per event.
    let state = emptyWorld();
    let i = 0;
    for (let t = 0; ; t += LOCAL_KEYFRAME_MS) {
      const end = eventIndexAfter(this.events, t);
      if (end > i) state = applyEvents(state, this.events.slice(i, end));
      i = end;
      this.keyframes.push(state);
      if (t >= timeline.durationMs) break;
    }
  }

  get branchId(): string {
    return this.timeline.branchId;
  }

  get durationMs(): number {
    return this.timeline.durationMs;
  }

  /** The world at playback time ms (every event with t <= ms folded). */
  stateAt(ms: number): WorldState {
    const end = eventIndexAfter(this.events, ms);
    const c = this.cursor;
    // Forward within a keyframe interval of the cursor: fold just the new events.
    if (!c || ms < c.ms || end < c.next || ms - c.ms > LOCAL_KEYFRAME_MS) {
      const k = Math.min(this.keyframes.length - 1, Math.max(0, Math.floor(ms / LOCAL_KEYFRAME_MS)));
      const kf = this.keyframes[k];
      this.cursor = { state: kf, next: kf.nextSeq, ms: k * LOCAL_KEYFRAME_MS };
    }
    const cur = this.cursor!;
    if (end > cur.next) {
      cur.state = applyEvents(cur.state, this.events.slice(cur.next, end));
      cur.next = end;
    }
    cur.ms = ms;
    return cur.state;
  }
}
