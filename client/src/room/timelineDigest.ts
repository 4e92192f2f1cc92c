import { strengthBySide } from '../../../shared/battle/state.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { getTimeline } from '../api.js';
import type { StrengthPoint, TimelineDigest } from './timelineData.js';

// Digest a full timeline into what the page shows: phase bands, decision markers, the strength chart.

export function digest(tl: Timeline): TimelineDigest {
  const strength: StrengthPoint[] = tl.keyframes.map((kf) => {
    const s = strengthBySide(kf.state);
    const sides: StrengthPoint['sides'] = {};
    for (const [id, v] of Object.entries(s)) sides[id] = { strength: v.strength, units: v.ships + v.stations };
    return { t: kf.t, sides };
  });
  return {
    battleId: tl.battleId,
    branchId: tl.branchId,
    durationMs: tl.durationMs,
    phases: tl.phases,
    decisionPoints: tl.decisionPoints,
    forces: tl.forces,
    strength,
  };
}

export async function fetchDigest(battleId: string, branchId: string): Promise<TimelineDigest> {
  return digest(await getTimeline(battleId, branchId));
}
