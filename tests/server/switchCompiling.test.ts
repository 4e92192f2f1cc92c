import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { firstAlternative, smallestBattle } from './fixtures/smallestBattle.js';
import { boot, until, type Booted } from './helpers.js';

// The instructor switches the room to a fork that is still compiling (a progressive fork): the switch is
// answered at once, not when the compile ends; the room plays the fork up to its frontier, holds there, and
// takes the branch's real duration when it completes.

const def = smallestBattle;

describe('switching the room to a fork still compiling', () => {
  // Paced: every segment takes at least 150 ms of wall time, so the fork compiles for seconds.
  const engine = new EngineTimelineService({ segmentPaceMs: 150 });
  let s: Booted;
  beforeAll(async () => {
    s = await boot({ timelines: engine, tickMs: 50 });
  });
  afterAll(() => s.close());

  it('answers the switch before the compile ends, holds at the frontier, and ends on the complete branch', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const forked = await inst.fork(firstAlternative());
    if (!forked.ok) throw new Error(forked.error.message);
    const branch = forked.branch;
    expect(branch.complete).toBe(false);
    const switched = await inst.switchBranch(branch.branchId);
    if (!switched.ok) throw new Error(switched.error.message);
    expect(switched.branchId).toBe(branch.branchId);
    // Answered while the fork still compiles.
    const atSwitch = s.app.segments.frontier(def.info.id, branch.branchId);
    expect(atSwitch?.complete).toBe(false);
    expect(switched.clock.positionMs).toBeLessThanOrEqual(branch.fork!.atMs);

    // From the fork point at 16x the room reaches the frontier before the compile does (the first segments after
    // it are short, and each takes 150 ms): it holds there, never past it, and goes on by itself.
    const clocks: { reason?: string; positionMs: number; state: string }[] = [];
    inst.subscribe((c) => {
      const k = inst.clock();
      if (c === 'clock' && k) clocks.push({ reason: k.reason, positionMs: k.positionMs, state: k.state });
    });
    await inst.seek(branch.fork!.atMs);
    await inst.setRate(16);
    await inst.play();
    const hold = await until(() => clocks.find((c) => c.reason === 'hold'), 20_000, 'a hold');
    expect(hold.state).toBe('paused');
    await until(() => clocks.find((c) => c.reason === 'resume'), 20_000, 'a resume');
    for (const c of clocks.filter((x) => x.reason === 'hold')) expect(c.positionMs).toBeGreaterThanOrEqual(branch.fork!.atMs);

    // Once complete, the room's clock knows the branch's real end.
    const done = await s.app.segments.whenCompiled(def.info.id, branch.branchId, Infinity);
    expect(done.complete).toBe(true);
    console.log(`[switchCompiling] provisional end ${switched.clock.durationMs} ms, final ${done.durationMs} ms`);
    // This fork ends later than its parent: the room's end changes only if the settle ran.
    expect(switched.clock.durationMs).not.toBe(done.durationMs);
    await until(() => inst.clock()?.durationMs === done.durationMs, 20_000);
    expect(inst.clock()!.version).toBeGreaterThan(switched.clock.version);
    expect(inst.room()?.branchId).toBe(branch.branchId);
  }, 120_000);
});
