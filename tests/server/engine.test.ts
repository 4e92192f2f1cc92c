import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { battles } from '../../replays/index.js';
import { stateAt } from '../../shared/battle/seek.js';
import type { BattleInfo, Timeline } from '../../shared/battle/timeline.js';
import type { BranchInfo } from '../../shared/protocol/events.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { advanced, boot, delivered, spread, syncBound, until, type Booted } from './helpers.js';
import { TEST_HISTORY_CACHE } from '../support/histories.js';

// The server on the real engine and every registered battle (iterated, never named).

const engine = new EngineTimelineService({ historyCacheDir: TEST_HISTORY_CACHE });
let s: Booted;
let infos: BattleInfo[];

beforeAll(async () => {
  s = await boot({ timelines: engine });
  const res = await fetch(`${s.url}/api/battles`);
  infos = ((await res.json()) as { battles: BattleInfo[] }).battles;
}, 300_000);
afterAll(() => s.close());

const history = async (battleId: string) => (await engine.timeline(battleId))!;

describe('server on the real engine', () => {
  it('lists every registered battle with its compiled duration', () => {
    expect(infos.map((b) => b.id).sort()).toEqual(battles.map((b) => b.info.id).sort());
    for (const b of infos) {
      expect(b.durationMs).toBeGreaterThan(0);
      expect(b.phases.length).toBeGreaterThan(0);
    }
  });

  it.each(battles.map((b) => b.info.id))('%s: clients share position and world mid-battle', async (battleId) => {
    const tl = await history(battleId);
    const { roomId, instructorKey } = await s.createRoom({ battleId });
    const inst = s.client({ roomId, name: 'Instructor', instructorKey });
    const viewer = s.client({ roomId, name: 'Viewer' });
    await Promise.all([inst.ready, viewer.ready]);
    const mid = Math.round(tl.durationMs / 2);
    expect((await inst.seek(mid)).ok).toBe(true);
    expect((await inst.setRate(8)).ok).toBe(true);
    expect((await inst.play()).ok).toBe(true);
    await advanced(inst, 8 * 700); // well into playback before the late join
    const late = s.client({ roomId, name: 'Late' });
    await late.ready; // resolves with the keyframe at the head and the events the room already streamed past it
    const t = performance.timeOrigin + performance.now();
    const all = [inst, viewer, late];
    // Within 10 ms, or what clock sync cannot tell apart (syncBound): at rate 8 an offset error shows eightfold in the
    // position (a CI run under load: 24.9 ms).
    expect(spread(all.map((c) => c.positionNow(t)))).toBeLessThan(syncBound(all, 8));
    for (const c of all) {
      // Each client's world is history's at its own position.
      const truth = stateAt(tl.events, tl.keyframes, c.positionNow(t));
      const st = c.stateNow(t)!;
      expect(Math.abs(st.nextSeq - truth.nextSeq)).toBeLessThanOrEqual(40); // rate 8: a few ms of events either side
      expect(st.phaseId).toBe(truth.phaseId);
      expect(Object.keys(st.units).length).toBe(Object.keys(truth.units).length);
    }
  });

  it('forks a what-if branch (player), switches the room (instructor), keeps everyone in sync', async () => {
    // The cheapest fork: the latest decision point of any battle.
    let pick: { battleId: string; tl: Timeline; decisionId: string; optionId: string; value?: number; atMs: number } | null = null;
    for (const def of battles) {
      const tl = await history(def.info.id);
      for (const dp of tl.decisionPoints) {
        if (dp.atMs === null) continue;
        const opt = dp.options.find((o) => !o.historical);
        if (!opt || (pick && pick.atMs / pick.tl.durationMs > dp.atMs / tl.durationMs)) continue;
        pick = { battleId: def.info.id, tl, decisionId: dp.id, optionId: opt.id, value: opt.param?.default, atMs: dp.atMs };
      }
    }
    if (!pick) throw new Error('no battle has a decision point with an alternative');
    const { roomId, instructorKey } = await s.createRoom({ battleId: pick.battleId });
    const inst = s.client({ roomId, name: 'Instructor', instructorKey });
    const player = s.client({ roomId, name: 'Player', role: 'player' });
    const viewer = s.client({ roomId, name: 'Viewer' });
    await Promise.all([inst.ready, player.ready, viewer.ready]);
    const created: BranchInfo[] = [];
    inst.socket.on('branch:created', (b) => created.push(b));
    const updated: BranchInfo[] = [];
    inst.socket.on('branch:updated', (b) => updated.push(b));

    const choice = { decisionId: pick.decisionId, optionId: pick.optionId, ...(pick.value !== undefined ? { value: pick.value } : {}) };
    expect(await viewer.fork(choice)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await player.fork({ decisionId: pick.decisionId, optionId: 'no-such-option' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    const forked = await player.fork(choice);
    if (!forked.ok) throw new Error(`fork failed: ${forked.error.message}`);
    const branch = forked.branch;
    expect(branch.branchId).not.toBe(pick.tl.branchId);
    expect(branch.fork?.decisionId).toBe(pick.decisionId);
    expect(branch.parentBranchId).toBe(pick.tl.branchId);
    const again = await player.fork(choice);
    expect(again.ok && again.branch.branchId).toBe(branch.branchId);
    // Both forks are acked after their branch:created (if any) was emitted: after a ping, a duplicate has arrived.
    await delivered([inst]);
    expect(created.map((b) => b.branchId)).toEqual([branch.branchId]); // once

    // The branch's timeline is served over HTTP.
    const res = await fetch(`${s.url}/api/battles/${pick.battleId}/timeline?branch=${branch.branchId}`);
    expect(res.status).toBe(200);

    // Only the instructor switches; the play head is past the fork point -> it moves to the fork point.
    expect(await player.switchBranch(branch.branchId)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await inst.switchBranch('b-unknown')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const seekKfs = [inst, player, viewer].map((c) => c.nextKeyframe());
    const sought = await inst.seek(Math.min(pick.tl.durationMs, pick.atMs + 5000));
    await until(() => [player, viewer].every((c) => c.clock()?.version === (sought.ok && sought.clock.version)), 2000, 'seek everywhere');
    await Promise.all(seekKfs); // the seek's keyframe follows its clock
    const kfs = [inst, player, viewer].map((c) => c.nextKeyframe());
    const sw = await inst.switchBranch(branch.branchId);
    if (!sw.ok) throw new Error(sw.error.message);
    expect(sw.branchId).toBe(branch.branchId);
    expect(sw.clock.positionMs).toBe(pick.atMs);
    // The ack may come before the fork is fully simulated (progressive); then branch:updated has the final info.
    const finalInfo = branch.complete === false ? await until(() => updated[0], 10_000, 'branch:updated') : branch;
    // Switched while still compiling, the clock's end is provisional; the room takes the real one when it completes.
    await until(() => inst.clock()?.durationMs === finalInfo.durationMs, 10_000, "the branch's real end");
    await Promise.all(kfs);
    for (const c of [inst, player, viewer]) {
      expect(c.stateBranchId()).toBe(branch.branchId);
      await until(() => c.room()?.branchId === branch.branchId, 2000, 'room branch');
    }
    // Before the fork point, switching back to history keeps the position.
    await inst.seek(Math.max(0, pick.atMs - 1000));
    const back = await inst.switchBranch(pick.tl.branchId);
    expect(back.ok && back.clock.positionMs).toBe(Math.max(0, pick.atMs - 1000));
    const state = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as { branchId: string; branches: BranchInfo[] };
    expect(state.branchId).toBe(pick.tl.branchId);
    expect(state.branches.map((b) => b.branchId)).toEqual([branch.branchId]);
  });
});
