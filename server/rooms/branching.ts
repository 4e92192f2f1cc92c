import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { BranchInfo } from '../../shared/protocol/events.js';

// Branch helpers shared by the fork/switch handlers.

const same = (a: DecisionChoice | undefined, b: DecisionChoice | undefined): boolean =>
  !!a && !!b && a.optionId === b.optionId && (a.value ?? null) === (b.value ?? null);

/**
 * Playback time where two branches of one battle stop sharing events: the earliest decision point
 * whose choice differs. Infinity when they make the same decisions.
 */
export function divergenceMs(a: Pick<Timeline, 'decisions' | 'decisionPoints'>, b: Pick<Timeline, 'decisions' | 'decisionPoints'>): number {
  const ids = new Set([...a.decisions, ...b.decisions].map((d) => d.decisionId));
  let at = Infinity;
  for (const id of ids) {
    const da = a.decisions.find((d) => d.decisionId === id);
    const db = b.decisions.find((d) => d.decisionId === id);
    if (same(da, db)) continue;
    const point = a.decisionPoints.find((p) => p.id === id) ?? b.decisionPoints.find((p) => p.id === id);
    const ms = point?.atMs ?? b.decisionPoints.find((p) => p.id === id)?.atMs ?? null;
    if (ms !== null) at = Math.min(at, ms);
  }
  return at;
}

export function branchInfoOf(tl: Omit<Timeline, 'events' | 'keyframes'>, createdBy: string | null, createdAt: number): BranchInfo {
  return {
    branchId: tl.branchId,
    battleId: tl.battleId,
    parentBranchId: tl.parentBranchId,
    decisions: tl.decisions,
    fork: tl.fork,
    durationMs: tl.durationMs,
    outcome: tl.outcome,
    createdBy,
    createdAt,
  };
}
