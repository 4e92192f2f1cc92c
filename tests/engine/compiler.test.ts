import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../shared/battle/reducer.js';
import { stateAt } from '../../shared/battle/seek.js';
import { emptyWorld } from '../../shared/battle/state.js';
import {
  compileBattle,
  KEYFRAME_INTERVAL_MS,
  keyframeIntervalFor,
  LARGE_BATTLE_UNITS,
  LARGE_KEYFRAME_INTERVAL_MS,
  resumeFromCheckpoint,
  type CompiledBranch,
} from '../../replays/engine/compiler.js';
import { BranchCatalog } from '../../replays/engine/branches.js';
import { branchIdFor, DecisionError, normalizeDecisions } from '../../replays/engine/decisions.js';
import { skirmish } from '../fixtures/skirmish.js';

describe('compiler on the fixture battle', () => {
  const history = compileBattle(skirmish);
  const tl = history.timeline;

  it('produces a stamped, ordered timeline with phases, the decision and an outcome', () => {
    expect(tl.events.length).toBeGreaterThan(100);
    tl.events.forEach((e, i) => {
      expect(e.seq).toBe(i);
      if (i) expect(e.t).toBeGreaterThanOrEqual(tl.events[i - 1].t);
    });
    expect(tl.phases.map((p) => p.id)).toEqual(['approach', 'engage']);
    expect(tl.phases[0]).toMatchObject({ startMs: 0, endMs: 6000, title: 'Approach' });
    expect(tl.phases[1].endMs).toBe(tl.durationMs);
    const dp = tl.decisionPoints[0];
    expect(dp).toMatchObject({ id: 'escort', atMs: 6000, chosen: { decisionId: 'escort', optionId: 'send', value: 2 } });
    expect(tl.events[dp.seq!]).toMatchObject({ type: 'decision:point', decisionId: 'escort' });
    expect(tl.events[dp.seq! + 1]).toMatchObject({ type: 'decision:made', historical: true, optionId: 'send', value: 2 });
    const none = { ships: 0, stations: 0 };
    expect(tl.forces).toEqual({
      blue: { ships: 5, stations: 1, atStart: { ships: 5, stations: 1 }, joined: none, defected: none },
      red: { ships: 5, stations: 0, atStart: { ships: 5, stations: 0 }, joined: none, defected: none },
    });
    expect(tl.outcome.facts).toContain('The minefield was finished');
    expect(tl.outcome.objectives.minefield.status).toBe('complete');
    expect(tl.events.at(-1)!.t).toBeLessThanOrEqual(tl.durationMs);
    expect(tl.events.filter((e) => e.type === 'battle:end')).toHaveLength(1);
    expect(tl.eventsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(tl.branchId).toBe(branchIdFor(skirmish.info.id, skirmish.seed, []));
    expect(tl.fork).toBeNull();
  });

  it('keyframes every interval hold exactly the folded state', () => {
    expect(tl.keyframeIntervalMs).toBe(KEYFRAME_INTERVAL_MS);
    expect(tl.keyframes.length).toBe(Math.floor(tl.durationMs / KEYFRAME_INTERVAL_MS) + 1);
    for (const kf of tl.keyframes) {
      const upTo = tl.events.filter((e) => e.t <= kf.t);
      expect(kf.state.nextSeq).toBe(upTo.length);
      expect(kf.state).toEqual(applyEvents(emptyWorld(), upTo));
    }
  });

  it('keeps sparser keyframes past LARGE_BATTLE_UNITS units at t = 0', () => {
    expect(keyframeIntervalFor(LARGE_BATTLE_UNITS)).toBe(KEYFRAME_INTERVAL_MS);
    expect(keyframeIntervalFor(LARGE_BATTLE_UNITS + 1)).toBe(LARGE_KEYFRAME_INTERVAL_MS);
  });

  it('is deterministic and seed dependent', () => {
    expect(compileBattle(skirmish).timeline.eventsSha256).toBe(tl.eventsSha256);
    const other = compileBattle(skirmish, { seed: 43 }).timeline;
    expect(other.eventsSha256).not.toBe(tl.eventsSha256);
    expect(other.branchId).not.toBe(tl.branchId);
  });

  it('a branch from the checkpoint equals a compile from zero with the same decisions', () => {
    for (const choice of [
      { decisionId: 'escort', optionId: 'hold' },
      { decisionId: 'escort', optionId: 'send', value: 4 },
    ]) {
      const full = compileBattle(skirmish, { decisions: [choice] }).timeline;
      const fork = resumeFromCheckpoint(skirmish, history, 'escort', choice, [choice]).timeline;
      expect(fork.eventsSha256).toBe(full.eventsSha256);
      expect(fork.events).toEqual(full.events);
      expect(fork.keyframes).toEqual(full.keyframes);
      expect(fork.outcome).toEqual(full.outcome);
      expect(fork.phases).toEqual(full.phases);
      expect(fork.branchId).toBe(full.branchId);
      expect(fork.parentBranchId).toBe(tl.branchId);
      const cp = history.checkpoints.escort;
      expect(fork.fork).toEqual({ decisionId: 'escort', atMs: 6000, seq: cp.pointSeq });
      // Shared prefix: the parent's events up to the choice.
      expect(fork.events.slice(0, cp.seq)).toEqual(tl.events.slice(0, cp.seq));
      expect(fork.events[cp.seq]).toMatchObject({ type: 'decision:made', historical: false });
      expect(fork.eventsSha256).not.toBe(tl.eventsSha256);
    }
  });

  it('checkpoints survive JSON and resume into the same events as an uninterrupted run', () => {
    const revived = JSON.parse(JSON.stringify({ checkpoints: history.checkpoints })) as Pick<CompiledBranch, 'checkpoints'>;
    const parent: CompiledBranch = { timeline: JSON.parse(JSON.stringify(tl)), checkpoints: revived.checkpoints };
    const choice = { decisionId: 'escort', optionId: 'send', value: 0 };
    const fork = resumeFromCheckpoint(skirmish, parent, 'escort', choice, [choice]).timeline;
    expect(fork.eventsSha256).toBe(compileBattle(skirmish, { decisions: [choice] }).timeline.eventsSha256);
    // Historical choice from the checkpoint reproduces history itself.
    const again = resumeFromCheckpoint(skirmish, parent, 'escort', { decisionId: 'escort', optionId: 'send', value: 2 }, []).timeline;
    expect(again.eventsSha256).toBe(tl.eventsSha256);
  });

  it('seek (keyframe + tail) equals folding from zero at random positions', () => {
    let x = 12345;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 40; i++) {
      const ms = Math.floor(rnd() * (tl.durationMs + 2000));
      expect(stateAt(tl.events, tl.keyframes, ms)).toEqual(
        applyEvents(
          emptyWorld(),
          tl.events.filter((e) => e.t <= ms),
        ),
      );
    }
  });
});

describe('decisions and branch ids', () => {
  it('normalizes: validates, drops history-equal choices, sorts', () => {
    expect(normalizeDecisions(skirmish, [{ decisionId: 'escort', optionId: 'send', value: 2 }])).toEqual([]);
    expect(normalizeDecisions(skirmish, [{ decisionId: 'escort', optionId: 'send', value: 3 }])).toEqual([
      { decisionId: 'escort', optionId: 'send', value: 3 },
    ]);
    const h = branchIdFor('x', 1, []);
    expect(h).toMatch(/^b[0-9a-f]{16}$/);
    const a = [
      { decisionId: 'b', optionId: 'o' },
      { decisionId: 'a', optionId: 'p', value: 3 },
    ];
    const sorted = [...a].sort((p, q) => p.decisionId.localeCompare(q.decisionId));
    expect(branchIdFor('x', 1, sorted)).not.toBe(h);
    expect(branchIdFor('x', 2, [])).not.toBe(h);
  });

  it('throws DecisionError naming the valid choices', () => {
    const bad = (c: { decisionId: string; optionId: string; value?: number }, code: string, re: RegExp) => {
      try {
        normalizeDecisions(skirmish, [c]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DecisionError);
        expect((e as DecisionError).code).toBe(code);
        expect((e as Error).message).toMatch(re);
      }
    };
    bad({ decisionId: 'nope', optionId: 'x' }, 'UNKNOWN_DECISION', /Valid decisions: escort/);
    bad({ decisionId: 'escort', optionId: 'x' }, 'UNKNOWN_OPTION', /send \[historical\].*0\.\.4.*hold/);
    bad({ decisionId: 'escort', optionId: 'send' }, 'VALUE_REQUIRED', /0\.\.4/);
    bad({ decisionId: 'escort', optionId: 'send', value: 9 }, 'VALUE_OUT_OF_RANGE', /0\.\.4/);
    bad({ decisionId: 'escort', optionId: 'send', value: 1.5 }, 'VALUE_OFF_STEP', /steps of 1/);
    bad({ decisionId: 'escort', optionId: 'hold', value: 1 }, 'VALUE_NOT_ALLOWED', /takes no value/);
    expect(() =>
      normalizeDecisions(skirmish, [
        { decisionId: 'escort', optionId: 'hold' },
        { decisionId: 'escort', optionId: 'hold' },
      ]),
    ).toThrow(DecisionError);
  });
});

describe('branch catalog', () => {
  it('compiles each branch once and forks from the parent checkpoint', async () => {
    const cat = new BranchCatalog((id) => (id === skirmish.info.id ? skirmish : undefined));
    const h = await cat.history(skirmish.info.id);
    expect(await cat.get(skirmish.info.id, h.timeline.branchId)).toBe(h);
    const f1 = await cat.fork(skirmish.info.id, h.timeline.branchId, { decisionId: 'escort', optionId: 'hold' });
    const f2 = await cat.fork(skirmish.info.id, h.timeline.branchId, { decisionId: 'escort', optionId: 'hold' });
    expect(f2).toBe(f1);
    expect(f1.timeline.parentBranchId).toBe(h.timeline.branchId);
    expect(await cat.get(skirmish.info.id, f1.timeline.branchId)).toBe(f1);
    // Same decisions compiled from zero name the same branch.
    expect((await cat.compile(skirmish.info.id, [{ decisionId: 'escort', optionId: 'hold' }])).timeline.branchId).toBe(
      f1.timeline.branchId,
    );
    // Forking back to history from a branch gives history.
    const back = await cat.fork(skirmish.info.id, f1.timeline.branchId, { decisionId: 'escort', optionId: 'send', value: 2 });
    expect(back.timeline.branchId).toBe(h.timeline.branchId);
    await expect(cat.fork(skirmish.info.id, 'bdeadbeef', { decisionId: 'escort', optionId: 'hold' })).rejects.toThrow(/Unknown branch/);
    await expect(cat.history('nope')).rejects.toThrow(/Unknown battle/);
    await expect(cat.fork(skirmish.info.id, h.timeline.branchId, { decisionId: 'escort', optionId: 'zzz' })).rejects.toBeInstanceOf(
      DecisionError,
    );
  });
});
