import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battles } from '../../replays/index.js';
import {
  compileBattle,
  hasPreparedResume,
  prepareResume,
  prepareResumeInSlices,
  resumeFromCheckpoint,
  type CompiledBranch,
} from '../../replays/engine/compiler.js';
import { BranchCatalog } from '../../replays/engine/branches.js';
import { DecisionError } from '../../replays/engine/decisions.js';
import type { BattleDefinition, DecisionSpec } from '../../replays/engine/types.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';

// What-if forks on every registered battle (iterated, never named): a fork at each decision point
// compiles, shares history's events before the decision and differs after it; the same decisions
// always name (and produce) the same branch; a fork resumed from a persisted (JSON) checkpoint equals
// a compile from zero; bad choices are refused naming the valid ones. One catalog per battle is
// shared by the whole file, so each branch is compiled once (the largest battle is the slow part).

const catalogs = new Map<string, BranchCatalog>();
const catalogOf = (def: BattleDefinition): BranchCatalog => {
  let c = catalogs.get(def.info.id);
  if (!c)
    catalogs.set(
      def.info.id,
      (c = new BranchCatalog((id) => (id === def.info.id ? def : undefined), { historyCacheDir: TEST_HISTORY_CACHE })),
    );
  return c;
};

const digest = (events: readonly BattleEvent[]): string => {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e));
  return h.digest('hex');
};

/** An alternative to history at a decision: another option (its default value when it takes one). */
function alternative(spec: DecisionSpec): DecisionChoice {
  const opt = spec.options.find((o) => !o.historical);
  if (opt)
    return opt.param ? { decisionId: spec.id, optionId: opt.id, value: opt.param.default } : { decisionId: spec.id, optionId: opt.id };
  // Only one option: a different quantity of it.
  const h = spec.options[0];
  if (!h.param) throw new Error(`decision ${spec.id} has no alternative`);
  return { decisionId: spec.id, optionId: h.id, value: h.param.default === h.param.max ? h.param.min : h.param.max };
}

const fmt = (c: DecisionChoice) => `${c.decisionId}=${c.optionId}${c.value === undefined ? '' : `:${c.value}`}`;

describe.each(battles.map((def) => [def.info.id, def] as const))('forks of %s', (_id, def) => {
  const cat = catalogOf(def);
  let history: CompiledBranch;
  const forks = new Map<string, CompiledBranch>();

  it('every decision point is reached in history and has an alternative', async () => {
    history = await cat.history(def.info.id);
    for (const spec of def.decisions) {
      expect(history.checkpoints[spec.id], `checkpoint of ${spec.id}`).toBeDefined();
      expect(alternative(spec).decisionId).toBe(spec.id);
    }
  }, 120_000);

  it.each(def.decisions.map((d) => [d.id, d] as const))(
    'a fork at %s compiles, equals history before the decision and differs after it',
    async (_d, spec) => {
      history ??= await cat.history(def.info.id);
      const H = history.timeline;
      const choice = alternative(spec);
      const t0 = performance.now();
      const fork = await cat.fork(def.info.id, H.branchId, choice);
      const ms = performance.now() - t0;
      forks.set(spec.id, fork);
      const tl = fork.timeline;
      const cp = history.checkpoints[spec.id];
      console.log(
        `[fork] ${def.info.id} ${fmt(choice)}: ${tl.events.length} events (history ${H.events.length}), resumed at ${cp.t} ms in ${ms.toFixed(0)} ms`,
      );

      expect(tl.branchId).not.toBe(H.branchId);
      expect(tl.parentBranchId).toBe(H.branchId);
      expect(tl.decisions).toEqual([choice]);
      expect(tl.fork).toEqual({ decisionId: spec.id, atMs: cp.t, seq: cp.pointSeq });
      // Before the fork: the same events, the same keyframes.
      expect(digest(tl.events.slice(0, cp.seq))).toBe(digest(H.events.slice(0, cp.seq)));
      const kfBefore = (k: { t: number }) => k.t < cp.t;
      // One keyframe at a time: at Cardassia's scale (~10 MB each) the whole list is past a string's limit.
      const kfDigests = (ks: readonly unknown[]) => ks.map((k) => createHash('sha256').update(JSON.stringify(k)).digest('hex'));
      expect(kfDigests(tl.keyframes.filter(kfBefore))).toEqual(kfDigests(H.keyframes.filter(kfBefore)));
      // At the fork: the alternative choice, then a simulation that goes another way (not just the label).
      expect(tl.events[cp.seq]).toMatchObject({ type: 'decision:made', decisionId: spec.id, optionId: choice.optionId, historical: false });
      expect(H.events[cp.seq]).toMatchObject({ type: 'decision:made', decisionId: spec.id, historical: true });
      expect(digest(tl.events.slice(cp.seq + 1))).not.toBe(digest(H.events.slice(cp.seq + 1)));
      expect(tl.eventsSha256).not.toBe(H.eventsSha256);
      // The branch records its own choice at that point.
      expect(tl.decisionPoints.find((p) => p.id === spec.id)?.chosen).toEqual(choice);
      for (const e of tl.events.slice(cp.seq))
        if (e.t < cp.t) throw new Error(`event ${e.seq} at ${e.t} ms is before the fork (${cp.t} ms)`);
      tl.events.forEach((e, i) => {
        if (e.seq !== i) throw new Error(`seq ${e.seq} at index ${i}`);
      });
    },
    180_000,
  );

  it('the same decisions give the same branch: cached, and recompiled identically', async () => {
    history ??= await cat.history(def.info.id);
    // The cheapest fresh recompile: the latest decision point.
    const spec = [...def.decisions].sort((a, b) => history.checkpoints[b.id].t - history.checkpoints[a.id].t)[0];
    const choice = alternative(spec);
    const first = forks.get(spec.id) ?? (await cat.fork(def.info.id, history.timeline.branchId, choice));
    // Asked again (same catalog): served from the cache, not compiled again.
    expect(await cat.fork(def.info.id, history.timeline.branchId, { ...choice })).toBe(first);
    expect(await cat.compile(def.info.id, [choice])).toBe(first);
    // A fresh compile of the same decisions (another process, say) gives the same id and events.
    const again = resumeFromCheckpoint(def, history, spec.id, choice, [choice]).timeline;
    expect(again.branchId).toBe(first.timeline.branchId);
    expect(again.eventsSha256).toBe(first.timeline.eventsSha256);
    expect(digest(again.events)).toBe(digest(first.timeline.events));
    expect(again.outcome).toEqual(first.timeline.outcome);
    // Resumed on a copy of the checkpoint made ahead (prepareResume, the worker's idle time): the same bytes, and
    // the copy serves one fork only.
    const cp = history.checkpoints[spec.id];
    expect(prepareResume(cp)).toBe(true);
    expect(prepareResume(cp)).toBe(false);
    const spared = resumeFromCheckpoint(def, history, spec.id, choice, [choice]).timeline;
    expect(hasPreparedResume(cp)).toBe(false);
    expect(spared.eventsSha256).toBe(first.timeline.eventsSha256);
    expect(digest(spared.events)).toBe(digest(first.timeline.events));
    expect(JSON.stringify(spared.keyframes.at(-1))).toBe(JSON.stringify(first.timeline.keyframes.at(-1)));
    // The same copy made a slice at a time (how the worker makes it, so a fork can overtake it): same bytes; and
    // one given up half-way leaves nothing behind.
    let pauses = 0;
    expect(await prepareResumeInSlices(cp, async () => ++pauses > 0)).toBe(true);
    expect(hasPreparedResume(cp)).toBe(true);
    const sliced = resumeFromCheckpoint(def, history, spec.id, choice, [choice]).timeline;
    expect(sliced.eventsSha256).toBe(first.timeline.eventsSha256);
    expect(await prepareResumeInSlices(cp, async () => false)).toBe(false);
    expect(hasPreparedResume(cp)).toBe(false);
    expect(pauses).toBeGreaterThan(0);
  }, 180_000);

  it('a fork resumed from the persisted (JSON) checkpoint matches a compile from zero', async () => {
    history ??= await cat.history(def.info.id);
    // The earliest decision: the longest stretch simulated after a restore.
    const spec = [...def.decisions].sort((a, b) => history.checkpoints[a.id].t - history.checkpoints[b.id].t)[0];
    const choice = alternative(spec);
    // Persist and revive: what a store would hold (machine snapshot + world + RNG state + run state).
    const persisted = JSON.stringify(history.checkpoints[spec.id]);
    const parent: CompiledBranch = { timeline: history.timeline, checkpoints: { [spec.id]: JSON.parse(persisted) } };
    const resumed = resumeFromCheckpoint(def, parent, spec.id, choice, [choice]).timeline;
    const fromZero = compileBattle(def, { decisions: [choice] }).timeline;
    expect(resumed.branchId).toBe(fromZero.branchId);
    expect(resumed.eventsSha256).toBe(fromZero.eventsSha256);
    expect(resumed.events.length).toBe(fromZero.events.length);
    expect(JSON.stringify(resumed.keyframes.at(-1))).toBe(JSON.stringify(fromZero.keyframes.at(-1)));
    expect(resumed.outcome).toEqual(fromZero.outcome);
    expect(resumed.phases).toEqual(fromZero.phases);
    expect(resumed.decisionPoints).toEqual(fromZero.decisionPoints);
  }, 240_000);

  it('refuses an unknown decision, option or value, naming the valid choices', async () => {
    history ??= await cat.history(def.info.id);
    const H = history.timeline.branchId;
    const refused = async (c: DecisionChoice, code: string, re: RegExp): Promise<void> => {
      const err = await cat.fork(def.info.id, H, c).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, fmt(c)).toBeInstanceOf(DecisionError);
      expect((err as DecisionError).code).toBe(code);
      expect((err as Error).message).toMatch(re);
    };
    const spec = def.decisions[0];
    await refused({ decisionId: 'no-such-decision', optionId: 'x' }, 'UNKNOWN_DECISION', new RegExp(`Valid decisions: .*${spec.id}`));
    await refused(
      { decisionId: spec.id, optionId: 'no-such-option' },
      'UNKNOWN_OPTION',
      new RegExp(`Valid options: .*${spec.options[0].id}`),
    );
    const withParam = def.decisions.flatMap((d) => d.options.filter((o) => o.param).map((o) => ({ d, o })))[0];
    if (withParam) {
      const p = withParam.o.param!;
      const base = { decisionId: withParam.d.id, optionId: withParam.o.id };
      const range = new RegExp(`${p.min}\\.\\.${p.max}`);
      await refused({ ...base, value: p.max + p.step }, 'VALUE_OUT_OF_RANGE', range);
      await refused({ ...base, value: p.min - p.step }, 'VALUE_OUT_OF_RANGE', range);
      await refused(base, 'VALUE_REQUIRED', range);
      if (p.step > 0 && p.max - p.min >= p.step) await refused({ ...base, value: p.min + p.step / 2 }, 'VALUE_OFF_STEP', range);
    }
    const plain = def.decisions.flatMap((d) => d.options.filter((o) => !o.param).map((o) => ({ d, o })))[0];
    if (plain) await refused({ decisionId: plain.d.id, optionId: plain.o.id, value: 1 }, 'VALUE_NOT_ALLOWED', /takes no value/);
  }, 120_000);
});

describe('nested forks', () => {
  it('keep every earlier decision and equal a compile from zero with all of them', async () => {
    // The smallest battle with two decisions (histories are compiled and cached by now).
    const sized = await Promise.all(
      battles
        .filter((b) => b.decisions.length >= 2)
        .map(async (b) => ({ b, n: (await catalogOf(b).history(b.info.id)).timeline.events.length })),
    );
    const def = sized.sort((x, y) => x.n - y.n)[0].b;
    const cat = catalogOf(def);
    const history = await cat.history(def.info.id);
    const [d1, d2] = [...def.decisions].sort((a, b) => history.checkpoints[a.id].t - history.checkpoints[b.id].t);
    const c1 = alternative(d1);
    const first = await cat.fork(def.info.id, history.timeline.branchId, c1);
    // The second decision must still be reached on the first fork for a nested fork there.
    const reached = first.timeline.decisionPoints.filter((p) => p.atMs !== null && p.id !== d1.id).map((p) => p.id);
    const d2r = def.decisions.find((d) => d.id === (reached.includes(d2.id) ? d2.id : reached[0]));
    if (!d2r) throw new Error(`no decision after ${d1.id} is reached on the fork`);
    const c2 = alternative(d2r);
    const nested = await cat.fork(def.info.id, first.timeline.branchId, c2);
    const both = [c1, c2].sort((a, b) => (a.decisionId < b.decisionId ? -1 : 1));
    expect(nested.timeline.decisions).toEqual(both);
    expect(nested.timeline.parentBranchId).toBe(first.timeline.branchId);
    expect(nested.timeline.fork?.decisionId).toBe(d2r.id);
    const cp = first.checkpoints[d2r.id];
    expect(digest(nested.timeline.events.slice(0, cp.seq))).toBe(digest(first.timeline.events.slice(0, cp.seq)));
    const fromZero = compileBattle(def, { decisions: both }).timeline;
    expect(nested.timeline.branchId).toBe(fromZero.branchId);
    expect(nested.timeline.eventsSha256).toBe(fromZero.eventsSha256);
    // Order of forking does not matter: the same two decisions name the same branch.
    const otherWay = await cat.compile(def.info.id, [c2, c1]);
    expect(otherWay.timeline.branchId).toBe(nested.timeline.branchId);
    // A decision the branch never reaches is refused.
    const unreached = nested.timeline.decisionPoints.find((p) => p.atMs === null);
    if (unreached) {
      const spec = def.decisions.find((d) => d.id === unreached.id)!;
      await expect(cat.fork(def.info.id, nested.timeline.branchId, alternative(spec))).rejects.toMatchObject({ code: 'NOT_REACHED' });
    }
  }, 240_000);
});
