import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { stateAt } from '../../shared/battle/seek.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { BranchInfo, BranchTree } from '../../shared/protocol/events.js';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { createWorld } from '../../replays/engine/sim/index.js';
import type { BattleDefinition, DecisionSpec } from '../../replays/engine/types.js';
import { MemoryStore } from '../../server/store/memory.js';
import type { Store } from '../../server/store/types.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { advanced, boot, spread, syncBound, until, type Booted } from './helpers.js';
import { redisAvailable, redisStore } from './redis.js';

// What-if branches through real sockets on the real engine: a player forks, the instructor switches
// the room, everyone follows in sync; nested forks; the branch tree over HTTP. The battle is the
// registered one with the fewest units (cheapest to compile), picked without naming it.

const engine = new EngineTimelineService();
const hasRedis = await redisAvailable();
const stores: [string, () => Promise<Store>][] = [['memory', async () => new MemoryStore()]];
if (hasRedis) stores.push(['redis', () => redisStore()]);
let s: Booted;
let def: BattleDefinition;
let history: Timeline;
const wallNow = () => performance.timeOrigin + performance.now();

function alternative(spec: DecisionSpec): DecisionChoice {
  const opt = spec.options.find((o) => !o.historical)!;
  return opt.param ? { decisionId: spec.id, optionId: opt.id, value: opt.param.default } : { decisionId: spec.id, optionId: opt.id };
}

beforeAll(async () => {
  def = [...battles].filter((b) => b.decisions.length >= 2).sort((a, b) => createWorld(a).units.length - createWorld(b).units.length)[0];
  s = await boot({ timelines: engine });
  history = (await engine.timeline(def.info.id))!;
}, 120_000);
afterAll(() => s.close());

async function branchTree(roomId: string): Promise<BranchTree> {
  const res = await fetch(`${s.url}/api/rooms/${roomId}/branches`);
  expect(res.status).toBe(200);
  return (await res.json()) as BranchTree;
}

/** Every client at the same instant: same branch, same position (10 ms), world = the branch's own state there. */
async function expectInSync(clients: RoomClient[], branch: Timeline): Promise<void> {
  for (const c of clients)
    await until(() => c.stateBranchId() === branch.branchId && c.room()?.branchId === branch.branchId, 3000, 'branch everywhere');
  const t = wallNow();
  const pos = clients.map((c) => c.positionNow(t));
  expect(spread(pos)).toBeLessThan(syncBound(clients));
  const truth = stateAt(branch.events, branch.keyframes, pos[0]);
  for (const c of clients) {
    const st = c.stateNow(t)!;
    expect(Math.abs(st.nextSeq - truth.nextSeq)).toBeLessThanOrEqual(20);
    expect(st.phaseId).toBe(truth.phaseId);
    expect(Object.keys(st.units).sort()).toEqual(Object.keys(truth.units).sort());
  }
}

describe('what-if branches in a room', () => {
  it('a player forks, the instructor switches the room, every client follows the new branch in sync', async () => {
    const [first, second] = [...history.decisionPoints].filter((d) => d.atMs !== null).sort((a, b) => a.atMs! - b.atMs!);
    const spec = def.decisions.find((d) => d.id === first.id)!;
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Instructor', instructorKey });
    const player = s.client({ roomId, name: 'Player', role: 'player' });
    const viewer = s.client({ roomId, name: 'Viewer' });
    const all = [inst, player, viewer];
    await Promise.all(all.map((c) => c.ready));
    const created = new Map<RoomClient, BranchInfo[]>(all.map((c) => [c, []]));
    for (const c of all) c.socket.on('branch:created', (b) => created.get(c)!.push(b));

    // Refused: viewers; unknown decision/option/value, each naming the valid choices.
    const choice = alternative(spec);
    expect(await viewer.fork(choice)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const badDecision = await player.fork({ decisionId: 'no-such-decision', optionId: 'x' });
    expect(badDecision).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(!badDecision.ok && badDecision.error.message).toMatch(new RegExp(`Valid decisions: .*${spec.id}`));
    const badOption = await player.fork({ decisionId: spec.id, optionId: 'no-such-option' });
    expect(!badOption.ok && badOption.error.message).toMatch(new RegExp(`Valid options: .*${spec.options[0].id}`));
    const param = def.decisions.flatMap((d) => d.options.filter((o) => o.param).map((o) => ({ d, o })))[0];
    if (param) {
      const badValue = await player.fork({ decisionId: param.d.id, optionId: param.o.id, value: param.o.param!.max + param.o.param!.step });
      expect(badValue).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(!badValue.ok && badValue.error.message).toMatch(/out of range/);
    }
    expect(await player.fork({ decisionId: spec.id, optionId: 42 } as unknown as DecisionChoice)).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });

    // The room plays on, past the decision, while the player forks.
    await inst.seek(Math.min(history.durationMs - 1000, first.atMs! + 4000));
    await inst.play();
    const t0 = performance.now();
    const forked = await player.fork(choice);
    const forkMs = performance.now() - t0;
    if (!forked.ok) throw new Error(forked.error.message);
    const t1 = performance.now();
    const again = await inst.fork(choice); // same decisions: same branch, from the cache
    const againMs = performance.now() - t1;
    console.log(`[branches] ${def.info.id} fork ${spec.id}: compiled in ${forkMs.toFixed(0)} ms, asked again ${againMs.toFixed(1)} ms`);
    expect(again.ok && again.branch.branchId).toBe(forked.branch.branchId);
    const branch = forked.branch;
    expect(branch).toMatchObject({
      parentBranchId: history.branchId,
      decisions: [choice],
      fork: { decisionId: spec.id, atMs: first.atMs },
    });
    expect(branch.createdBy).toBe('Player');
    for (const c of all) await until(() => created.get(c)!.length === 1, 2000, 'branch:created');
    // The fork did not move the room.
    expect(inst.room()?.branchId).toBe(history.branchId);
    expect(inst.clock()?.state).toBe('playing');

    // Switch (instructor only): the play head is past the fork, so the room goes to the fork point.
    expect(await player.switchBranch(branch.branchId)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const keyframes = all.map((c) => c.nextKeyframe());
    const sw = await inst.switchBranch(branch.branchId);
    if (!sw.ok) throw new Error(sw.error.message);
    expect(sw.clock.positionMs).toBeCloseTo(first.atMs!, -1);
    await Promise.all(keyframes);
    const tl = (await engine.timeline(def.info.id, branch.branchId))!;
    // A fork still compiling when switched to has a provisional end (the parent's); the room takes the real one, in
    // one more clock, once it completes.
    await until(() => all.every((c) => c.clock()?.durationMs === tl.durationMs), 10_000, "the branch's real end");
    const v = inst.clock()!.version;
    expect(v).toBeGreaterThanOrEqual(sw.clock.version);
    await until(() => all.every((c) => c.clock()?.version === v), 2000, 'one clock everywhere');
    await advanced(inst, 600 * inst.clock()!.rate); // playing on the branch
    await expectInSync(all, tl);
    // Past the fork, the room shows the branch, not history.
    await inst.pause();
    await until(() => all.every((c) => c.clock()?.state === 'paused'), 2000, 'paused');
    const pos = inst.positionNow();
    for (const c of all) expect(c.positionNow()).toBe(pos);
    const exact = stateAt(tl.events, tl.keyframes, pos);
    for (const c of all) expect(c.stateNow()).toEqual(exact);

    // Nested: a fork from the room's current branch keeps the earlier decision.
    if (second) {
      const spec2 = def.decisions.find((d) => d.id === second.id)!;
      const reached = tl.decisionPoints.find((p) => p.id === spec2.id)?.atMs ?? null;
      if (reached !== null) {
        const c2 = alternative(spec2);
        const nested = await player.fork(c2);
        if (!nested.ok) throw new Error(nested.error.message);
        expect(nested.branch.parentBranchId).toBe(branch.branchId);
        expect(nested.branch.decisions).toEqual([choice, c2].sort((a, b) => (a.decisionId < b.decisionId ? -1 : 1)));
        expect(nested.branch.fork?.decisionId).toBe(spec2.id);
      }
    }
    // Forking back to the historical option names history: no new branch, no duplicate trunk.
    const h = spec.options.find((o) => o.historical)!;
    const back = await player.fork(
      h.param ? { decisionId: spec.id, optionId: h.id, value: h.param.default } : { decisionId: spec.id, optionId: h.id },
    );
    expect(back.ok && back.branch.branchId).toBe(history.branchId);
    const roomNow = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as { branches: { branchId: string }[] };
    expect(roomNow.branches.map((b) => b.branchId)).not.toContain(history.branchId);

    // The tree over HTTP: history is the trunk, forks under their parents, the room's branch marked.
    const tree = await branchTree(roomId);
    expect(tree).toMatchObject({ roomId, battleId: def.info.id, currentBranchId: branch.branchId, historyBranchId: history.branchId });
    expect(tree.branches[0]).toMatchObject({ branchId: history.branchId, history: true, depth: 0, parentBranchId: null, fork: null });
    expect(tree.branches.filter((b) => b.branchId === history.branchId)).toHaveLength(1);
    const node = tree.branches.find((b) => b.branchId === branch.branchId)!;
    expect(node).toMatchObject({ history: false, depth: 1, parentBranchId: history.branchId, decisions: [choice] });
    expect(tree.branches[0].children).toContain(branch.branchId);
    expect(node.outcome.losses).toEqual(tl.outcome.losses);
    expect(node.decisionPoints.find((p) => p.id === spec.id)?.chosen).toEqual(choice);
    for (const n of tree.branches) {
      if (n.parentBranchId) {
        const parent = tree.branches.findIndex((p) => p.branchId === n.parentBranchId);
        expect(parent).toBeGreaterThanOrEqual(0);
        expect(parent).toBeLessThan(tree.branches.indexOf(n));
        expect(n.depth).toBe(tree.branches[parent].depth + 1);
      }
    }
    if (second && tree.branches.length > 2) expect(tree.branches.find((b) => b.depth === 2)?.parentBranchId).toBe(branch.branchId);
    expect((await fetch(`${s.url}/api/rooms/nope/branches`)).status).toBe(404);

    // Before the fork, switching keeps the position.
    await inst.seek(Math.max(0, first.atMs! - 2000));
    const home = await inst.switchBranch(history.branchId);
    expect(home.ok && home.clock.positionMs).toBe(Math.max(0, first.atMs! - 2000));
    await expectInSync(all, history);
  }, 120_000);

  it.each(stores)(
    'serves a branch timeline without keyframes, and rebuilds one recorded by a room on another process (%s store)',
    async (_name, makeStore) => {
      // Two server processes on one store: the second has never compiled the branch the first forked.
      const store = await makeStore();
      const a = await boot({ timelines: engine, store });
      const b = await boot({ timelines: new EngineTimelineService(), store });
      try {
        const spec = def.decisions[def.decisions.length - 1];
        const { roomId, instructorKey } = await a.createRoom({ battleId: def.info.id });
        const player = a.client({ roomId, name: 'P', role: 'player' });
        await player.ready;
        const forked = await player.fork(alternative(spec));
        if (!forked.ok) throw new Error(forked.error.message);
        const id = forked.branch.branchId;
        const lean = (await (await fetch(`${a.url}/api/battles/${def.info.id}/timeline?branch=${id}&keyframes=none`)).json()) as Timeline;
        const full = (await engine.timeline(def.info.id, id))!;
        expect(lean.keyframes).toEqual([]);
        expect(lean.events.length).toBe(full.events.length);
        expect(lean.eventsSha256).toBe(full.eventsSha256);
        expect((await fetch(`${b.url}/api/battles/${def.info.id}/timeline?branch=${id}&keyframes=none`)).status).toBe(404);
        const res = await fetch(`${b.url}/api/battles/${def.info.id}/timeline?branch=${id}&keyframes=none&room=${roomId}`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as Timeline).eventsSha256).toBe(full.eventsSha256);
        // The other process lists the same tree.
        const tree = (await (await fetch(`${b.url}/api/rooms/${roomId}/branches`)).json()) as BranchTree;
        expect(tree.branches.map((n) => n.branchId)).toEqual([full.parentBranchId, id]);
        // ... and its instructor can switch the room there (rebuilt from the recorded decisions).
        const inst = b.client({ roomId, name: 'I', instructorKey });
        await inst.ready;
        const kf = inst.nextKeyframe();
        const sw = await inst.switchBranch(id);
        expect(sw.ok && sw.branchId).toBe(id);
        await kf;
        expect(inst.stateBranchId()).toBe(id);
      } finally {
        await a.close();
        await b.close();
        await store.close();
      }
    },
    120_000,
  );
});
