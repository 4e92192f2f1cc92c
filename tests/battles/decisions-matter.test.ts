import { describe, expect, it } from 'vitest';
import { compileBattle, resumeFromCheckpoint } from '../../replays/engine/compiler.js';
import type { BattleDefinition, DecisionSpec } from '../../replays/engine/index.js';
import { battles } from '../../replays/index.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';

// Every decision offered changes the outcome measurably on a figure the compare view shows (winner,
// losses per side, objectives, duration: client/src/compare/outcomeDiff.ts). One compile of history
// per battle and one fork per decision, on the canonical seed; `npm run battle -- study` shows the
// same over 10 seeds (figures in each battle's notes.md).

/** The alternatives a viewer can pick: every non-historical option, and a quantity's far ends. */
function alternatives(spec: DecisionSpec): DecisionChoice[] {
  return spec.options.flatMap((o): DecisionChoice[] => {
    if (!o.param) return o.historical ? [] : [{ decisionId: spec.id, optionId: o.id }];
    const values = o.historical ? [o.param.min, o.param.max].filter((v) => v !== o.param?.default) : [o.param.default];
    return values.map((value) => ({ decisionId: spec.id, optionId: o.id, value }));
  });
}

/** What differs between two outcomes, counting a loss difference only when it is not noise. */
function measurableDifferences(def: BattleDefinition, a: Timeline, b: Timeline): string[] {
  const out: string[] = [];
  if (a.outcome.winner !== b.outcome.winner) out.push(`winner ${a.outcome.winner} -> ${b.outcome.winner}`);
  for (const side of def.info.sides.map((s) => s.id)) {
    const la = a.outcome.losses[side] ?? { ships: 0, stations: 0 };
    const lb = b.outcome.losses[side] ?? { ships: 0, stations: 0 };
    const force = (a.forces[side]?.atStart.ships ?? 0) + (a.forces[side]?.atStart.stations ?? 0);
    const d = Math.abs(la.ships + la.stations - (lb.ships + lb.stations));
    if (d >= Math.max(2, 0.05 * force)) out.push(`${side} losses ${la.ships + la.stations} -> ${lb.ships + lb.stations}`);
  }
  for (const id of new Set([...Object.keys(a.outcome.objectives), ...Object.keys(b.outcome.objectives)])) {
    if (a.outcome.objectives[id]?.status !== b.outcome.objectives[id]?.status) out.push(`objective ${id}`);
  }
  if (Math.abs(a.durationMs - b.durationMs) >= 0.1 * a.durationMs) out.push(`duration ${a.durationMs} -> ${b.durationMs}`);
  return out;
}

describe('every decision changes the outcome', () => {
  for (const def of battles) {
    it(`${def.info.id}: each decision's alternative moves a compared figure`, { timeout: 900_000 }, () => {
      const history = compileBattle(def);
      const flat: string[] = [];
      // A decision matters when at least one of its alternatives does (tried in order, stopping there).
      for (const spec of def.decisions) {
        let found = '';
        for (const choice of alternatives(spec)) {
          const branch = resumeFromCheckpoint(def, history, spec.id, choice, [choice]).timeline;
          const diff = measurableDifferences(def, history.timeline, branch);
          if (diff.length) {
            found = `${choice.optionId}${choice.value === undefined ? '' : `:${choice.value}`}: ${diff.join('; ')}`;
            break;
          }
        }
        flat.push(`${spec.id}: ${found || 'NOTHING'}`);
      }
      console.log(`[decisions] ${def.info.id}\n  ${flat.join('\n  ')}`);
      expect(flat.filter((l) => l.endsWith('NOTHING'))).toEqual([]);
    });
  }
});
