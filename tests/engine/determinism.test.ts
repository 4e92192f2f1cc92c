import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { compileBattle, resumeFromCheckpoint } from '../../replays/engine/compiler.js';
import { branchIdFor, historicalChoice, normalizeDecisions } from '../../replays/engine/decisions.js';
import type { BattleDefinition } from '../../replays/engine/types.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { historyOf } from '../support/histories.js';

// Generic over every registered battle: compiles are identical across processes, branch ids do not
// depend on the order decisions are given in, and a fork from a checkpoint equals a compile from zero.

const run = promisify(execFile);

interface CompileJson {
  battleId: string;
  branchId: string;
  eventsSha256: string;
  eventCount: number;
  durationMs: number;
}

async function cliCompile(args: string[]): Promise<CompileJson> {
  const { stdout } = await run('npx', ['tsx', 'server/cli/battle.ts', 'compile', ...args, '--json'], {
    maxBuffer: 1 << 24,
    timeout: 240_000,
  });
  return JSON.parse(stdout) as CompileJson;
}

/** A non-historical choice per decision: the first other option, or another value of a quantity. */
function alternatives(def: BattleDefinition): DecisionChoice[] {
  return def.decisions.map((d) => {
    const other = d.options.find((o) => !o.historical);
    if (other)
      return other.param ? { decisionId: d.id, optionId: other.id, value: other.param.default } : { decisionId: d.id, optionId: other.id };
    const h = historicalChoice(d);
    const p = d.options.find((o) => o.id === h.optionId)!.param!;
    return { decisionId: d.id, optionId: h.optionId, value: p.max === p.default ? p.min : p.max };
  });
}

const fmt = (c: DecisionChoice) => `${c.decisionId}=${c.optionId}${c.value === undefined ? '' : `:${c.value}`}`;

describe('determinism across processes', () => {
  for (const def of battles) {
    it(`${def.info.id}: two processes compile the same events`, { timeout: 300_000 }, async () => {
      const [a, b] = await Promise.all([cliCompile([def.info.id]), cliCompile([def.info.id])]);
      expect(a.eventsSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(b.eventsSha256).toBe(a.eventsSha256);
      expect(b.branchId).toBe(a.branchId);
      expect(a.branchId).toBe(branchIdFor(def.info.id, def.seed, []));
      // And in-process it is the same again (the 20,000-unit Cardassia: the two processes above are the check; a
      // third compile of it would add ~15 s of CPU to the suite and nothing the others do not show).
      if (def.forces.reduce((n, g) => n + g.count, 0) < 5_000) expect(compileBattle(def).timeline.eventsSha256).toBe(a.eventsSha256);
    });
  }

  const multi = battles.find((b) => b.decisions.length >= 2);
  it('decisions given in a different order name the same branch and events', { timeout: 300_000 }, async () => {
    expect(multi).toBeDefined();
    const def = multi as BattleDefinition;
    const alts = alternatives(def).slice(0, 2);
    const ab = alts.flatMap((c) => ['--decide', fmt(c)]);
    const ba = [...alts].reverse().flatMap((c) => ['--decide', fmt(c)]);
    const [x, y] = await Promise.all([cliCompile([def.info.id, ...ab]), cliCompile([def.info.id, ...ba])]);
    expect(y.branchId).toBe(x.branchId);
    expect(y.eventsSha256).toBe(x.eventsSha256);
    expect(x.branchId).toBe(branchIdFor(def.info.id, def.seed, normalizeDecisions(def, alts)));
    expect(x.branchId).not.toBe(branchIdFor(def.info.id, def.seed, []));
  });
});

describe('forks equal compiles from zero (every registered battle)', () => {
  for (const def of battles) {
    it(`${def.info.id}: fork at the first and last decision reached`, { timeout: 300_000 }, () => {
      const history = historyOf(def); // the shared history; the compiles from zero below are the check
      const reached = history.timeline.decisionPoints.filter((d) => d.atMs !== null).map((d) => d.id);
      expect(reached.length).toBeGreaterThan(0);
      const alts = alternatives(def);
      for (const id of new Set([reached[0], reached[reached.length - 1]])) {
        const choice = alts.find((c) => c.decisionId === id)!;
        const fork = resumeFromCheckpoint(def, history, id, choice, [choice]).timeline;
        const full = compileBattle(def, { decisions: [choice] }).timeline;
        expect(fork.eventsSha256, `fork at ${id}`).toBe(full.eventsSha256);
        expect(fork.branchId).toBe(full.branchId);
        expect(fork.outcome).toEqual(full.outcome);
      }
    });
  }
});

describe('a run carries on from a checkpoint as a branch resumed there does (every registered battle)', () => {
  // The compile keeps its own world at a checkpoint (plainJsonInPlace) where a resumed branch parses the checkpoint's
  // text: the historical choice made on the resumed copy must give history's events. Cardassia (22,401 units): its
  // last decision point only (each resume runs to the end).
  for (const def of battles) {
    it(`${def.info.id}: the historical choice resumed at each decision point reproduces history`, { timeout: 300_000 }, () => {
      const history = historyOf(def);
      const reached = history.timeline.decisionPoints.filter((d) => d.atMs !== null).map((d) => d.id);
      expect(reached.length).toBeGreaterThan(0);
      const big = def.forces.reduce((n, g) => n + g.count, 0) >= 5_000;
      for (const id of big ? reached.slice(-1) : reached) {
        const spec = def.decisions.find((d) => d.id === id)!;
        const again = resumeFromCheckpoint(def, history, id, historicalChoice(spec), []).timeline;
        expect(again.eventsSha256, `resumed at ${id}`).toBe(history.timeline.eventsSha256);
        expect(again.branchId).toBe(history.timeline.branchId);
      }
    });
  }
});
