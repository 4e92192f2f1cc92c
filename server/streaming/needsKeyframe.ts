import { positionAt } from '../../shared/clock/playback.js';
import { clockReasonKind } from '../../shared/clock/reason.js';
import type { Playhead } from '../store/types.js';

/** A position step of up to this much is not a jump (clock arithmetic rounds). */
const JUMP_MS = 1;

/**
 * Does moving a room from playhead `prev` to `next` need a keyframe for clients that hold `prev`'s world?
 * Pure: the loop calls it on every clock change it sees (its own, or another process's).
 *
 * A branch change always does. When versions were skipped (another process made changes this one never saw),
 * only a soft stop that lands where `prev` would be now is safe to refold; anything else gets a keyframe.
 */
export function needsKeyframe(prev: Playhead, next: Playhead): boolean {
  if (prev.branchId !== next.branchId) return true;
  const c = next.clock;
  const kind = clockReasonKind(c.reason);
  const jumped = Math.abs(positionAt(prev.clock, c.serverTime) - c.positionMs) > JUMP_MS;
  if (c.version !== prev.clock.version + 1) return kind !== 'soft' || jumped;
  switch (kind) {
    case 'keyframe':
      return true;
    case 'soft':
      return false;
    case 'continuous':
      return jumped;
  }
}
