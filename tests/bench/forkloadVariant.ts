import { battles, historicalChoice, type BattleDefinition } from '../../replays/index.js';
import type { DecisionChoice } from '../../shared/battle/types.js';

type DecisionSpec = BattleDefinition['decisions'][number];
type QuantityParam = NonNullable<DecisionSpec['options'][number]['param']>;

// Cardassia has few distinct fork paths (a quantity of 9 values and two yes/no decisions: 39 branches besides
// history), but the fork-load goal asks for 200 distinct forks. `installFinerQuantities()` gives the quantity decision
// a finer step in the process that calls it (the benchmark's server, and its compile worker through the `preload`
// forkloadVariantPreload.ts), so the same battle, simulation and decision points offer hundreds of distinct
// quantities. Importing this module changes nothing: the benchmark's clients only need `distinctPaths`, which
// computes the finer values without touching the battle. Benchmark only.

export const BATTLE = 'battle-of-cardassia';
/** Quantities offered at least (the step is made fine enough). */
const QUANTITIES = 150;

interface Variant {
  def: BattleDefinition;
  spec: DecisionSpec;
  optionId: string;
  param: QuantityParam;
  /** The finer step of the quantity. */
  step: number;
}

let found: Variant | null = null;

/** The battle's quantity decision and its finer step, looked up on first use (not at import). */
function variant(): Variant {
  if (found) return found;
  const def = battles.find((b) => b.info.id === BATTLE);
  if (!def) throw new Error(`${BATTLE} not found`);
  const q = def.decisions.flatMap((d) => d.options.map((o) => ({ d, o }))).find(({ o }) => o.param);
  if (!q?.o.param) throw new Error(`${BATTLE} has no quantity decision`);
  const param = q.o.param;
  found = { def, spec: q.d, optionId: q.o.id, param, step: Math.max(1, Math.floor((param.max - param.min) / QUANTITIES)) };
  return found;
}

/**
 * Give this process's Cardassia the finer quantity step, so its decision checks accept every value `distinctPaths`
 * names. Explicit and idempotent: the benchmark's server calls it on its main thread, its compile worker through
 * the preload module.
 */
export function installFinerQuantities(): void {
  const v = variant();
  v.param.step = v.step;
}

/**
 * `n` distinct fork paths, each a chain: a quantity at the quantity decision, then (every other one) one
 * alternative at a later decision too. Every path's first step is itself one of the paths, so forking a path's
 * steps in order creates one new branch per request. The quantities are those of the finer step whether or not
 * this process installed it (the server that checks them must have: installFinerQuantities).
 */
export function distinctPaths(n: number): DecisionChoice[][] {
  const { def, spec, optionId, param, step } = variant();
  // Decisions are listed in battle order: the alternatives come from those after the quantity decision.
  const later = def.decisions.slice(def.decisions.indexOf(spec) + 1);
  const alts = later.flatMap((d) => {
    const hist = historicalChoice(d);
    return d.options.filter((o) => o.id !== hist.optionId && !o.param).map((o): DecisionChoice => ({ decisionId: d.id, optionId: o.id }));
  });
  const values: number[] = [];
  for (let v = param.min; v <= param.max; v += step) values.push(v);
  const out: DecisionChoice[][] = [];
  for (let i = 0; out.length < n && i < values.length; i++) {
    const q: DecisionChoice = { decisionId: spec.id, optionId, value: values[i] };
    out.push([q]);
    if (alts.length && out.length < n && i % 2 === 0) out.push([q, alts[(i / 2) % alts.length]]);
  }
  if (out.length < n) throw new Error(`only ${out.length} distinct fork paths`);
  return out;
}
