import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { battles } from '../../replays/index.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { stateAt } from '../../shared/battle/seek.js';
import { segmentIndexAt, type SegmentPayload } from '../../shared/battle/segments.js';
import { BranchWorld } from '../../client/lib/branchWorld.js';
import { seedFork } from '../../client/lib/forkSeed.js';
import { SegmentWorld } from '../../client/lib/segmentWorld.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';
import { MemorySegmentSource } from './segmentSource.js';

// Segments delivery following the room's branch: a switch keeps the old branch's last frame up until the
// new branch's segment at the play head is in, then shows the new branch.

describe('BranchWorld', () => {
  it('follows a branch switch without a blank frame', async () => {
    const a = buildFixtureTimeline('branch-a');
    // Branch b: the same battle with every event after 25 s a little later (another world from then on).
    const b = { ...buildFixtureTimeline('branch-b'), keyframes: [] };
    b.events = b.events.map((e) => (e.t > 25_000 ? { ...e, t: Math.min(e.t + 137, b.durationMs) } : e));
    const sources = new Map([
      [a.branchId, new MemorySegmentSource(a)],
      [b.branchId, new MemorySegmentSource(b)],
    ]);
    let gateB!: () => void;
    sources.get(b.branchId)!.gate = new Promise<void>((r) => (gateB = r));
    let askedB = 0;
    const source = {
      getManifest: (battleId: string, branchId: string) => sources.get(branchId)!.getManifest(battleId, branchId),
      getSegment: (battleId: string, branchId: string, i: number) => {
        if (branchId === b.branchId) askedB++;
        return sources.get(branchId)!.getSegment(battleId, branchId, i);
      },
    };
    const pos = 42_000;
    expect(stateAt(b.events, b.keyframes, pos)).not.toEqual(stateAt(a.events, a.keyframes, pos));
    const changes: string[] = [];
    const w = new BranchWorld(source, { room: 'r', position: () => pos, onChange: (c) => changes.push(c), onEvents: () => {} });
    w.follow(a.battleId, a.branchId);
    await w.next();
    const still = { playing: false, rate: 1 };
    expect(w.stateAt(pos, still)).toEqual(stateAt(a.events, a.keyframes, pos));
    expect(w.drawnBranchId).toBe(a.branchId);

    w.follow(b.battleId, b.branchId);
    w.follow(b.battleId, b.branchId); // idempotent
    const arrived = w.next();
    // b's manifest is in and its segment asked for, held back by the gate.
    await vi.waitFor(() => expect(askedB).toBeGreaterThan(0), { timeout: 5000, interval: 2 });
    expect(w.stateAt(pos, still)).toEqual(stateAt(a.events, a.keyframes, pos)); // a's last frame, not a blank
    gateB();
    await arrived;
    expect(w.stateAt(pos, still)).toEqual(stateAt(b.events, b.keyframes, pos));
    expect(w.drawnBranchId).toBe(b.branchId);
    expect(changes).toContain('manifest');
    w.close();
  });
});

/** A real engine (the smallest battle), its history, and its first decision point after 0. */
async function terokHistory() {
  const def = battles.find((b) => b.info.id === 'battle-of-terok-nor')!;
  const engine = new EngineTimelineService();
  const history = (await engine.timeline(def.info.id))!;
  const point = history.decisionPoints.find((p) => p.atMs !== null && p.atMs > 0)!;
  const spec = def.decisions.find((d) => d.id === point.id)!;
  return { def, engine, history, point, spec };
}

/**
 * A real engine (the smallest battle) as the segment source: real manifests (forkEvents) and segments. Forks
 * history at its first decision point after 0 with a non-historical option (its parameter at `bound`); every
 * segment request is recorded in `fetched` as `history:i` or `fork:i`.
 */
async function terokFork(bound: 'min' | 'max') {
  const { def, engine, history, point, spec } = await terokHistory();
  const opt = spec.options.find((o) => !o.historical) ?? spec.options[0];
  const choice = { decisionId: spec.id, optionId: opt.id, ...(opt.param ? { value: opt.param[bound] } : {}) };
  const fork = await engine.fork(def.info.id, history.branchId, choice);
  const fetched: string[] = [];
  const source = {
    getManifest: async (battleId: string, branchId: string) => (await engine.manifest(battleId, branchId))!,
    getSegment: async (battleId: string, branchId: string, i: number) => {
      fetched.push(`${branchId === history.branchId ? 'history' : 'fork'}:${i}`);
      const enc = (await engine.segment(battleId, branchId, i))!;
      return JSON.parse(gunzipSync(enc.gzip).toString()) as SegmentPayload;
    },
  };
  return { def, engine, history, point, fork, fetched, source };
}

describe('BranchWorld following a fork of the branch it shows', () => {
  it('makes the fork-point segment from the parent segment it holds: no fetch, the same world', async () => {
    const { def, engine, history, point, fork, fetched, source } = await terokFork('min');
    const atMs = point.atMs!;
    let pos = atMs - 1; // watching history just before the decision point
    const w = new BranchWorld(source, { room: 'r', position: () => pos, onChange: () => {}, onEvents: () => {} });
    w.follow(def.info.id, history.branchId);
    await w.next();
    const still = { playing: false, rate: 1 };
    expect(w.stateAt(pos, still)).not.toBeNull();
    const k = segmentIndexAt((await engine.manifest(def.info.id, fork.branchId))!.segments, atMs);
    fetched.length = 0;
    // The room switches to the fork at its fork point.
    pos = atMs;
    w.follow(def.info.id, fork.branchId);
    await w.next();
    expect(fetched).not.toContain(`fork:${k}`);
    const full = (await engine.timeline(def.info.id, fork.branchId))!;
    expect(w.stateAt(atMs, still)).toEqual(stateAt(full.events, full.keyframes, atMs));
    expect(w.drawnBranchId).toBe(fork.branchId);
    // Playing on past the fork point: the next segment is fetched and folds onto the made one.
    await w.current!.load(atMs + 500);
    expect(w.stateAt(atMs + 500, { playing: true, rate: 1 })).toEqual(stateAt(full.events, full.keyframes, atMs + 500));
    w.close();
  }, 120_000);

  it('held at the decision point, the parent folds a spare world there in idle time, and the fork starts from it', async () => {
    const { def, engine, history, point, fork, fetched, source } = await terokFork('max');
    const atMs = point.atMs!;
    const parent = new SegmentWorld(source, def.info.id, history.branchId);
    // Passing by (not at the segment's end): no spare.
    await parent.load(atMs - 1);
    parent.stateAt(atMs - 1);
    // Barrier: a spare would be folded in a setTimeout(0) set by that stateAt; Node runs same-delay timers in the
    // order they were set, so this one resolves after it.
    await new Promise((r) => setTimeout(r, 0));
    expect(parent.spareIndex).toBeNull();
    // Held at the decision point: a spare is folded there in idle time.
    parent.stateAt(atMs);
    expect(parent.spareIndex).toBeNull(); // not in the frame that asked
    const k = segmentIndexAt(parent.manifest!.segments, atMs);
    await vi.waitFor(() => expect(parent.spareIndex).toBe(k), { timeout: 5000, interval: 2 });
    const w = new SegmentWorld(source, def.info.id, fork.branchId);
    await w.loadManifest();
    fetched.length = 0;
    expect(seedFork(w, parent)).toBe(true);
    expect(parent.spareIndex).toBeNull(); // handed over, not shared
    const full = (await engine.timeline(def.info.id, fork.branchId))!;
    expect(w.stateAt(atMs)).toEqual(stateAt(full.events, full.keyframes, atMs));
    expect(fetched).toEqual([]);
    // Both worlds go on right: the parent at and before the point, the fork past it.
    expect(parent.stateAt(atMs)).toEqual(stateAt(history.events, history.keyframes, atMs));
    expect(parent.stateAt(atMs - 700)).toEqual(stateAt(history.events, history.keyframes, atMs - 700));
    await w.load(atMs + 500);
    expect(w.stateAt(atMs + 500, { playing: true, rate: 1 })).toEqual(stateAt(full.events, full.keyframes, atMs + 500));
    // A step back on the fork refolds from its segment's start (the spare was not kept as a start).
    expect(w.stateAt(atMs - 700)).toEqual(stateAt(full.events, full.keyframes, atMs - 700));
    parent.dispose();
    w.dispose();
  }, 120_000);
});

describe('the spare world after a fork took it', () => {
  it('is folded again while the parent stays at the decision, so a second fork there starts from a spare too', async () => {
    const { def, engine, history, point, spec } = await terokHistory();
    const atMs = point.atMs!;
    // Two distinct what-ifs at the same decision (the player forks, looks, goes back to history, forks again).
    const choices: DecisionChoice[] = spec.options
      .filter((o) => !o.historical)
      .flatMap((o) => (o.param ? [o.param.min, o.param.max].map((value) => ({ optionId: o.id, value })) : [{ optionId: o.id }]))
      .map((c) => ({ decisionId: spec.id, ...c }));
    const hist = spec.options.find((o) => o.historical)!;
    if (hist.param) choices.push({ decisionId: spec.id, optionId: hist.id, value: hist.param.min }); // not history's value
    const forks = [];
    for (const c of choices.slice(0, 2)) forks.push(await engine.fork(def.info.id, history.branchId, c));
    expect(forks).toHaveLength(2);
    expect(forks[0].branchId).not.toBe(forks[1].branchId);
    const source = {
      getManifest: async (battleId: string, branchId: string) => (await engine.manifest(battleId, branchId))!,
      getSegment: async (battleId: string, branchId: string, i: number) =>
        JSON.parse(gunzipSync((await engine.segment(battleId, branchId, i))!.gzip).toString()) as SegmentPayload,
    };
    const parent = new SegmentWorld(source, def.info.id, history.branchId);
    await parent.load(atMs);
    const k = segmentIndexAt(parent.manifest!.segments, atMs);
    for (const fork of forks) {
      parent.stateAt(atMs); // held at the decision point (the room's clock stops there)
      await vi.waitFor(() => expect(parent.spareIndex).toBe(k), { timeout: 5000, interval: 2 });
      const w = new SegmentWorld(source, def.info.id, fork.branchId);
      await w.loadManifest();
      expect(seedFork(w, parent)).toBe(true);
      expect(parent.spareIndex).toBeNull(); // this fork took it
      const full = (await engine.timeline(def.info.id, fork.branchId))!;
      expect(w.stateAt(atMs)).toEqual(stateAt(full.events, full.keyframes, atMs));
      w.dispose();
    }
    // The parent itself still shows history there.
    expect(parent.stateAt(atMs)).toEqual(stateAt(history.events, history.keyframes, atMs));
    parent.dispose();
  }, 120_000);

  it('is not folded again by a world a room switch is leaving', async () => {
    const { def, history, point, fork, source } = await terokFork('min');
    const atMs = point.atMs!;
    const w = new BranchWorld(source, { room: 'r', position: () => atMs, onChange: () => {}, onEvents: () => {} });
    w.follow(def.info.id, history.branchId);
    await w.next();
    const still = { playing: false, rate: 1 };
    w.stateAt(atMs, still);
    const parent = w.current!;
    await vi.waitFor(() => expect(parent.spareIndex).not.toBeNull(), { timeout: 5000, interval: 2 });
    w.follow(def.info.id, fork.branchId); // the room switches to the fork: its world takes the spare
    await w.next();
    expect(parent.spareIndex).toBeNull();
    // Drawn again meanwhile, the world being left makes no new spare (it is on its way out).
    parent.stateAt(atMs);
    expect(parent.prepareSpare()).toBe(false);
    expect(parent.spareIndex).toBeNull();
    w.close();
  }, 120_000);
});
