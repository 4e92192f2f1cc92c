import { battles, historicalChoice } from '../../replays/index.js';
import type { DecisionChoice } from '../../shared/battle/types.js';

// Cardassia has few distinct fork paths (a quantity of 9 values and two yes/no decisions: 39 branches besides
// history), but the fork-load goal asks for 200 distinct forks. Imported by the benchmark, its server and (through
// the worker's `preload`) the compile worker, this module gives the quantity decision a finer step, so the same
// battle, simulation and decision points offer hundreds of distinct quantities. Benchmark only.

export const BATTLE = 'battle-of-cardassia';
/** Quantities offered at least (the step is made fine enough). */
const QUANTITIES = 150;

const def = battles.find((b) => b.info.id === BATTLE);
if (!def) throw new Error(`${BATTLE} not found`);
const quantity = def.decisions.flatMap((d) => d.options.map((o) => ({ d, o }))).find(({ o }) => o.param);
if (!quantity?.o.param) throw new Error(`${BATTLE} has no quantity decision`);
const param = quantity.o.param;
param.step = Math.max(1, Math.floor((param.max - param.min) / QUANTITIES));

/**
 * `n` distinct fork paths, each a chain: a quantity at the quantity decision, then (every other one) one
 * alternative at a later decision too. Every path's first step is itself one of the paths, so forking a path's
 * steps in order creates one new branch per request.
 */
export function distinctPaths(n: number): DecisionChoice[][] {
  const spec = quantity!.d;
  // Decisions are listed in battle order: the alternatives come from those after the quantity decision.
  const later = def!.decisions.slice(def!.decisions.indexOf(spec) + 1);
  const alts = later.flatMap((d) => {
    const hist = historicalChoice(d);
    return d.options.filter((o) => o.id !== hist.optionId && !o.param).map((o): DecisionChoice => ({ decisionId: d.id, optionId: o.id }));
  });
  const values: number[] = [];
  for (let v = param.min; v <= param.max; v += param.step) values.push(v);
  const out: DecisionChoice[][] = [];
  for (let i = 0; out.length < n && i < values.length; i++) {
    const q: DecisionChoice = { decisionId: spec.id, optionId: quantity!.o.id, value: values[i] };
    out.push([q]);
    if (alts.length && out.length < n && i % 2 === 0) out.push([q, alts[(i / 2) % alts.length]]);
  }
  if (out.length < n) throw new Error(`only ${out.length} distinct fork paths`);
  return out;
}
