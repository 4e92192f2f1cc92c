import { describe, expect, it } from 'vitest';
import { getShortestPaths } from '@xstate/graph';
import type { AnyStateMachine, AnyStateNode, StateValue } from 'xstate';
import { battles } from '../../replays/index.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import type { BattleDefinition, Facts, MachineEvent } from '../../replays/engine/types.js';
import { skirmish } from '../fixtures/skirmish.js';

// Every state of every battle machine must be reachable. The machine graph is explored with
// @xstate/graph using the events a compile can send it: DECIDE for every option (with the ends
// and history of each parameter range), the `after` timers of every state, and TICKs carrying
// facts sampled from real compiles (history plus one alternative per decision), since guards
// read facts the simulation produces.

type GraphEvent = MachineEvent | { type: string };

function allNodes(node: AnyStateNode, out: AnyStateNode[] = []): AnyStateNode[] {
  out.push(node);
  for (const child of Object.values(node.states) as AnyStateNode[]) allNodes(child, out);
  return out;
}

function leafPaths(value: StateValue, prefix: string[] = []): string[] {
  if (typeof value === 'string') return [[...prefix, value].join('.')];
  return Object.entries(value).flatMap(([k, v]) =>
    v === undefined ? [[...prefix, k].join('.')] : leafPaths(v as StateValue, [...prefix, k]),
  );
}

/** DECIDE variants per decision: every option, and for a quantity its min, history and max. */
function decideVariants(def: BattleDefinition): MachineEvent[][] {
  return def.decisions.map((d) =>
    d.options.flatMap((o): MachineEvent[] =>
      o.param
        ? [...new Set([o.param.default, o.param.min, o.param.max])].map((value) => ({
            type: 'DECIDE',
            decisionId: d.id,
            optionId: o.id,
            value,
          }))
        : [{ type: 'DECIDE', decisionId: d.id, optionId: o.id }],
    ),
  );
}

function sampledTicks(def: BattleDefinition): { ticks: MachineEvent[]; extremes: MachineEvent[] } {
  const ticks: MachineEvent[] = [];
  const extremes: MachineEvent[] = [];
  const seen = new Set<string>();
  const sample = (every: number) => {
    let n = 0;
    return (facts: Facts) => {
      if (n++ % every) return;
      const key = JSON.stringify(facts);
      if (seen.has(key)) return;
      seen.add(key);
      ticks.push({ type: 'TICK', t: facts.t, facts });
    };
  };
  const runs: { decisionId: string; optionId: string; value?: number }[][] = [[]];
  for (const d of def.decisions) {
    const alt = d.options.find((o) => !o.historical) ?? d.options[0];
    runs.push([
      alt.param
        ? { decisionId: d.id, optionId: alt.id, value: alt.historical ? alt.param.max : alt.param.default }
        : { decisionId: d.id, optionId: alt.id },
    ]);
  }
  let last: Facts | null = null;
  for (const decisions of runs) {
    const observe = sample(5);
    compileBattle(def, {
      decisions,
      onTick: (f) => {
        observe(f);
        last = f;
      },
    });
    // Plus the extremes a run may not show: each side wiped out at the end of the run.
    // and each notable unit lost on its own.
    if (last) {
      const f = last as Facts;
      for (const side of def.info.sides) extremes.push({ type: 'TICK', t: f.t, facts: wipedOut(def, f, side.id) });
      for (const id of Object.keys(f.units)) {
        const copy = JSON.parse(JSON.stringify(f)) as Facts;
        copy.units[id] = { ...copy.units[id], status: 'destroyed', hull: 0, shields: 0 };
        extremes.push({ type: 'TICK', t: f.t, facts: copy });
      }
    }
  }
  return { ticks: [...ticks, ...extremes], extremes };
}

function wipedOut(def: BattleDefinition, f: Facts, side: string): Facts {
  const copy = JSON.parse(JSON.stringify(f)) as Facts;
  copy.sides[side] = { ships: 0, stations: 0 };
  for (const spec of def.forces) {
    if (spec.side !== side || !copy.groups[spec.group]) continue;
    copy.groups[spec.group] = { ...copy.groups[spec.group], alive: 0, hull: 0, shields: 0 };
    for (const id of spec.ids ?? []) if (copy.units[id]) copy.units[id] = { ...copy.units[id], status: 'destroyed', hull: 0, shields: 0 };
  }
  return copy;
}

/** Booleans, strings and null of a context, to a small depth; numbers are left out. */
function digest(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v !== 'object' || depth > 2) return undefined;
  if (Array.isArray(v)) return v.length;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const d = digest((v as Record<string, unknown>)[k], depth + 1);
    if (d !== undefined) out[k] = d;
  }
  return out;
}

function unreachable(def: BattleDefinition): { states: string[]; unreached: string[] } {
  const machine = def.machine as AnyStateMachine;
  const nodes = allNodes(machine.root);
  const afterEvents = nodes.flatMap((n) => n.after.map((a) => ({ type: String(a.eventType) })));
  const { ticks, extremes } = sampledTicks(def);
  const eventIds = new WeakMap<object, string>();
  for (const [i, t] of [...ticks, ...extremes].entries()) eventIds.set(t, `TICK#${i}`);
  const variants = decideVariants(def);
  const rounds = Math.max(1, ...variants.map((v) => v.length));
  const reached = new Set<string>();
  // States are told apart by value and a coarse digest of context (flags and names, not numbers:
  // the time of the last TICK would make every tick a new state). Since context set by a choice can
  // steer later guards, the graph is explored
  // once per "round": round k offers each decision only its k-th variant, so every option is taken
  // in some round with a context consistent with it.
  const explore = (events: GraphEvent[], withContext: boolean) => {
    const paths = getShortestPaths(machine, {
      events: events as never,
      serializeState: (s) =>
        JSON.stringify(
          withContext
            ? [(s as { value: StateValue }).value, digest((s as { context?: unknown }).context, 0)]
            : (s as { value: StateValue }).value,
        ),
      // Facts are big: name each sampled TICK by its index instead of serializing it per edge.
      serializeEvent: (e) => eventIds.get(e as object) ?? JSON.stringify(e),
    });
    for (const p of paths) for (const leaf of leafPaths((p.state as { value: StateValue }).value)) reached.add(leaf);
  };
  for (let k = 0; k < rounds; k++) {
    const decide = variants.map((v) => v[k % v.length]);
    explore([...decide, ...afterEvents, ...ticks], false);
    // Then with flags and names of the context told apart, over a thin sample of ticks (the
    // context-aware graph is much bigger), for states behind context-dependent guards.
    explore([...decide, ...afterEvents, ...ticks.filter((_, i) => i % 20 === 0), ...extremes], true);
  }
  const leaves = nodes.filter((n) => Object.keys(n.states).length === 0 && n.path.length > 0).map((n) => n.path.join('.'));
  return { states: leaves, unreached: leaves.filter((l) => !reached.has(l)) };
}

describe('machine reachability', () => {
  it('every state of the fixture machine is reachable', () => {
    const r = unreachable(skirmish);
    expect(r.states.length).toBeGreaterThan(5);
    expect(r.unreached).toEqual([]);
  });

  for (const def of battles) {
    it(`every state of ${def.info.id} is reachable`, { timeout: 900_000 }, () => {
      const r = unreachable(def);
      expect(r.states.length).toBeGreaterThan(3);
      expect(r.unreached, `unreachable states of ${def.info.id}`).toEqual([]);
    });
  }
});
