import type { BattleEvent } from '../../../shared/battle/events.js';
import type { BattleInfo, Outcome } from '../../../shared/battle/timeline.js';
import { describeEvent, sideName, unitNames } from './describe.js';

// The difference between two branches' outcomes: winner, losses per side, objectives, and the
// first event that differs. Choices themselves (`decision:made`) are skipped when looking for the
// first difference: the compare view lists them already; what matters is their first consequence.

export interface DiffRow {
  label: string;
  left: string;
  right: string;
  same: boolean;
  /** A side is still compiling: the row compares nothing yet. */
  pending?: true;
}

export interface FirstDifference {
  /** Index into both event lists (events before it are identical). */
  index: number;
  t: number;
  left: string;
  right: string;
}

export interface OutcomeDiff {
  rows: DiffRow[];
  first: FirstDifference | null;
}

const sameEvent = (a: BattleEvent, b: BattleEvent): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/** `names`: unit id -> name (default: from the spawn events in the lists). */
export function firstDifference(
  battle: BattleInfo | null,
  a: readonly BattleEvent[],
  b: readonly BattleEvent[],
  from = 0,
  names?: Map<string, string>,
): FirstDifference | null {
  const n = Math.max(a.length, b.length);
  for (let i = from; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x && y && sameEvent(x, y)) continue;
    if (x?.type === 'decision:made' && y?.type === 'decision:made' && x.decisionId === y.decisionId) continue;
    const known = names ?? unitNames(a.length > b.length ? a : b);
    const t = Math.min(x?.t ?? Infinity, y?.t ?? Infinity);
    return { index: i, t, left: describeEvent(battle, x, known), right: describeEvent(battle, y, known) };
  }
  return null;
}

export interface BranchEnd {
  outcome: Outcome;
  durationMs: number;
  /** Still compiling: its outcome is not known yet (the cells say so) and durationMs is how far it has compiled. */
  compiling?: boolean;
}

/** What a cell of a branch still compiling says in place of a figure it does not have yet. */
export const COMPILING = 'compiling…';

export function outcomeDiff(
  battle: BattleInfo | null,
  a: BranchEnd & { events: readonly BattleEvent[] },
  b: BranchEnd & { events: readonly BattleEvent[] },
  sharedSeq = 0,
): OutcomeDiff {
  return { rows: outcomeRows(battle, a, b), first: firstDifference(battle, a.events, b.events, sharedSeq) };
}

/** Winner, losses per side, objectives, duration: one row each, left and right. */
export function outcomeRows(battle: BattleInfo | null, a: BranchEnd, b: BranchEnd): DiffRow[] {
  const rows: DiffRow[] = [];
  const pending = a.compiling || b.compiling;
  // A compiling side's outcome is a placeholder: its cells say "compiling…", not "no winner" or "0 ships" (`known`:
  // a figure it has already, its duration so far).
  const row = (label: string, left: string, right: string, known = false) =>
    rows.push(
      pending
        ? {
            label,
            left: a.compiling && !known ? COMPILING : left,
            right: b.compiling && !known ? COMPILING : right,
            same: false,
            pending: true,
          }
        : { label, left, right, same: left === right },
    );
  row('Winner', sideName(battle, a.outcome.winner), sideName(battle, b.outcome.winner));
  const sides = [...new Set([...Object.keys(a.outcome.losses), ...Object.keys(b.outcome.losses)])];
  for (const side of sides) {
    const fmt = (o: Outcome) => {
      const l = o.losses[side] ?? { ships: 0, stations: 0 };
      const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
      return l.stations ? `${n(l.ships, 'ship')}, ${n(l.stations, 'station')}` : n(l.ships, 'ship');
    };
    row(`${sideName(battle, side)} losses`, fmt(a.outcome), fmt(b.outcome));
  }
  const objectives = [...new Set([...Object.keys(a.outcome.objectives), ...Object.keys(b.outcome.objectives)])];
  for (const id of objectives) {
    const oa = a.outcome.objectives[id];
    const ob = b.outcome.objectives[id];
    const word = (s: string | undefined) =>
      s === 'complete' ? 'reached' : s === 'failed' ? 'not reached (failed)' : s === 'pending' ? 'not reached' : '—';
    row(`Objective: ${(oa ?? ob)?.label ?? id}`, word(oa?.status), word(ob?.status));
  }
  const secs = (e: BranchEnd) => `${Math.round(e.durationMs / 1000)} s${e.compiling ? ' so far (compiling)' : ''}`;
  row('Duration', secs(a), secs(b), true);
  return rows;
}
