import type { BattleEvent } from '../../shared/battle/events.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { KeyframeMsg, TimelineEventsMsg } from '../../shared/protocol/events.js';

// The world of a socket-delivery client (`timeline:keyframe` + `timeline:events`), without the socket:
// `base` (last keyframe) + `log` (contiguous events from base.nextSeq), of which `applied` are folded
// into `state`. stateAt(pos) folds the due run with the shared reducer; a step back inside what we
// hold refolds from the keyframe. Memory stays bounded by rebasing once plenty is applied.

export type TakeEventsResult = { kind: 'stale' } | { kind: 'gap' } | { kind: 'fresh'; events: BattleEvent[] };

const REBASE_AFTER = 20_000;

export class WorldBuffer {
  private _branchId: string | null = null;
  private base: WorldState | null = null;
  private log: BattleEvent[] = [];
  private applied = 0;
  private state: WorldState | null = null;

  /** The branch the world belongs to (the last keyframe's). */
  get branchId(): string | null {
    return this._branchId;
  }

  /** Events received but not yet folded (ahead of the play head). */
  get buffered(): number {
    return this.log.length - this.applied;
  }

  takeKeyframe(m: KeyframeMsg): void {
    const sameBranch = m.branchId === this._branchId;
    // Events we already hold past the keyframe stay valid (events are immutable facts of a branch).
    const keep = sameBranch ? this.log.filter((e) => e.seq >= m.state.nextSeq) : [];
    const contiguous = keep.length > 0 && keep[0].seq === m.state.nextSeq;
    this._branchId = m.branchId;
    this.base = m.state;
    this.state = m.state;
    this.log = contiguous ? keep : [];
    this.applied = 0;
  }

  /** A streamed batch: `gap` means events were lost (the caller resyncs), `stale` nothing new. */
  takeEvents(m: TimelineEventsMsg): TakeEventsResult {
    if (!this.base || m.branchId !== this._branchId) return { kind: 'stale' };
    const expected = this.base.nextSeq + this.log.length;
    if (m.toSeq <= expected) return { kind: 'stale' };
    if (m.fromSeq > expected) return { kind: 'gap' };
    const fresh = m.events.filter((e) => e.seq >= expected);
    for (const e of fresh) this.log.push(e);
    if (this.applied > REBASE_AFTER && this.state) {
      this.log = this.log.slice(this.applied);
      this.base = this.state;
      this.applied = 0;
    }
    return { kind: 'fresh', events: fresh };
  }

  /** The world with every held event up to pos folded (null before the first keyframe). */
  stateAt(pos: number): WorldState | null {
    if (!this.state || !this.base) return null;
    if (this.applied > 0 && this.log[this.applied - 1].t > pos && pos >= this.base.t) {
      // The head stepped back inside what we hold: refold from the keyframe.
      this.state = this.base;
      this.applied = 0;
    }
    // Fold the due run as one batch: applyEvents copies the unit map once per batch, not per event.
    let end = this.applied;
    while (end < this.log.length && this.log[end].t <= pos) end++;
    if (end > this.applied) {
      this.state = applyEvents(this.state, this.log.slice(this.applied, end));
      this.applied = end;
    }
    return this.state;
  }
}
