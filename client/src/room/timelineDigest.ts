import { applyEvents } from '../../../shared/battle/reducer.js';
import { emptyWorld, strengthBySide } from '../../../shared/battle/state.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { getTimeline } from '../api.js';
import type { StrengthPoint, TimelineDigest } from './timelineData.js';

// Digest a timeline into what the page shows: phase bands, decision markers, the strength chart.
// The chart is folded from the events (fetched without keyframes: a big battle's keyframes are
// ~100 MB of JSON), sampling each side's strength at a few hundred instants.

const SAMPLES = 240;

export function digest(tl: Timeline): TimelineDigest {
  const strength: StrengthPoint[] = [];
  const step = Math.max(250, tl.durationMs / SAMPLES);
  let world = emptyWorld();
  let i = 0;
  for (let t = 0; t <= tl.durationMs + step / 2; t += step) {
    let end = i;
    while (end < tl.events.length && tl.events[end].t <= t) end++;
    if (end > i) world = applyEvents(world, tl.events.slice(i, end));
    i = end;
    const sides: StrengthPoint['sides'] = {};
    for (const [id, v] of Object.entries(strengthBySide(world))) sides[id] = { strength: v.strength, units: v.ships + v.stations };
    strength.push({ t: Math.min(t, tl.durationMs), sides });
  }
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

export async function fetchDigest(battleId: string, branchId: string, roomId?: string): Promise<TimelineDigest> {
  return digest(await getTimeline(battleId, branchId, { keyframes: 'none', room: roomId }));
}
