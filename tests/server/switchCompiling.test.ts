import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import { MemoryStore } from '../../server/store/memory.js';
import { EngineTimelineService } from '../../server/timelines/EngineTimelineService.js';
import { firstAlternative, smallestBattle } from './fixtures/smallestBattle.js';
import { boot, until, waitFor, within, type Booted } from './helpers.js';

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

/** Every clock the client takes, in order. */
function clocksOf(c: { subscribe(fn: (change: string) => void): unknown; clock(): PlaybackClock | null }): PlaybackClock[] {
  const out: PlaybackClock[] = [];
  c.subscribe((change) => {
    const k = c.clock();
    if (change === 'clock' && k) out.push(k);
  });
  return out;
}

describe("a compiling fork's metadata follows its manifest", () => {
  // Paced slower than above: the fork is still compiling while the room plays through its first phases.
  const engine = new EngineTimelineService({ segmentPaceMs: 300 });
  let s: Booted;
  beforeAll(async () => {
    s = await boot({ timelines: engine, tickMs: 50 });
  });
  afterAll(() => s.close());

  it('a phase compiled after the switch is stepped to and, in step mode, stopped at while the fork compiles', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    expect((await inst.settings({ stepMode: true })).ok).toBe(true);
    const forked = await inst.fork(firstAlternative());
    if (!forked.ok) throw new Error(forked.error.message);
    const { branchId } = forked.branch;
    const fork = forked.branch.fork!;
    expect((await inst.switchBranch(branchId)).ok).toBe(true);

    // A phase that begins at or after the fork point and has ended (the next one has begun) in the compiled part.
    const closedAfterFork = (m: BranchManifest) => m.phases.find((p, i) => i < m.phases.length - 1 && p.startMs >= fork.atMs);
    // Not known when the room switched (the manifest then ended at the fork point).
    expect(closedAfterFork(forked.manifest!)).toBeUndefined();
    const grown = await waitFor(() => s.app.segments.peekManifest(def.info.id, branchId)?.manifest, {
      what: 'a phase after the fork compiled',
      timeoutMs: 30_000,
    }).then(() =>
      waitFor(
        () => {
          const m = s.app.segments.peekManifest(def.info.id, branchId)!.manifest;
          return closedAfterFork(m) ? m : null;
        },
        { what: 'a phase after the fork compiled', timeoutMs: 30_000 },
      ),
    );
    expect(grown.complete).toBe(false);
    const phase = closedAfterFork(grown)!;

    // Phase navigation knows the new phase: a step from inside it lands where it ends (the next phase's start).
    expect((await inst.seek(phase.startMs + 500)).ok).toBe(true);
    const stepped = await inst.stepPhase(1);
    if (!stepped.ok) throw new Error(`step to the next phase: ${stepped.error.message}`);
    expect(stepped.clock.positionMs).toBe(phase.endMs);

    // Step mode stops at its end (a stop learnt after the switch), not at the frontier further on.
    const clocks = clocksOf(inst);
    expect((await inst.seek(phase.endMs - 4000)).ok).toBe(true);
    expect((await inst.setRate(4)).ok).toBe(true);
    const played = await inst.play();
    if (!played.ok) throw new Error(played.error.message);
    const stop = await until(
      () => clocks.find((c) => c.version > played.clock.version && c.state === 'paused'),
      20_000,
      'the first stop after play',
    );
    expect(stop).toMatchObject({ reason: 'phase-end', positionMs: phase.endMs });
    // Still compiling when it stopped: the final metadata (the settle) did not supply this stop.
    expect(s.app.segments.frontier(def.info.id, branchId)?.complete).toBe(false);
  }, 120_000);
});

describe('a fork whose compile fails', () => {
  // The compile of `failing` throws at its next segment (as a simulation that throws would).
  let failing: string | null = null;
  const engine = new EngineTimelineService({
    segmentPaceMs: 150,
    afterSegment: (branchId) => {
      if (branchId === failing) throw new Error('the simulation failed (test)');
    },
  });
  let s: Booted;
  beforeAll(async () => {
    s = await boot({ timelines: engine, tickMs: 50 });
  });
  afterAll(() => s.close());

  it('takes the room held on it back to the parent branch, paused at the fork point, and tells the room', async () => {
    const { roomId, instructorKey } = await s.createRoom({ battleId: def.info.id });
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const historyId = inst.room()!.branchId;
    const historyEnd = inst.clock()!.durationMs;
    const forked = await inst.fork(firstAlternative());
    if (!forked.ok) throw new Error(forked.error.message);
    const { branchId } = forked.branch;
    const fork = forked.branch.fork!;
    expect((await inst.switchBranch(branchId)).ok).toBe(true);
    const clocks = clocksOf(inst);
    await inst.seek(fork.atMs);
    await inst.setRate(16);
    await inst.play();
    await until(() => clocks.find((c) => c.reason === 'hold'), 20_000, 'a hold at the frontier');

    const told = new Promise<{ branchId: string }>((resolve) => inst.socket.on('branch:failed', resolve));
    failing = branchId;
    expect((await within(told, 20_000, 'branch:failed')).branchId).toBe(branchId);
    // Back on history, paused where the two branches are still the same battle: not held on the what-if for good.
    const back = await until(
      () => clocks.find((c) => c.reason === 'branch' && c.durationMs === historyEnd),
      20_000,
      'the room back on its parent branch',
    );
    expect(back.state).toBe('paused');
    expect(back.positionMs).toBeLessThanOrEqual(fork.atMs);
    const room = (await (await fetch(`${s.url}/api/rooms/${roomId}`)).json()) as { branchId: string };
    expect(room.branchId).toBe(historyId);
    await until(() => inst.room()?.branchId === historyId, 5000, "the client's room on history");
    // And it plays on there, past the fork point.
    expect((await inst.play()).ok).toBe(true);
    await until(() => inst.positionNow() > fork.atMs + 1000, 20_000, 'playing past the fork point on history');
  }, 120_000);

  it('logs a revert the store failed (no caller hears of it otherwise)', async () => {
    const logged: { msg?: string; roomId?: string; branchId?: string; err?: { message?: string } }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const store = new CasFailingStore();
    const s2 = await boot({ timelines: engine, tickMs: 50, store, ownsStore: true, logger });
    try {
      const { roomId, instructorKey } = await s2.createRoom({ battleId: def.info.id });
      const inst = s2.client({ roomId, name: 'Sisko', instructorKey });
      await inst.ready;
      const forked = await inst.fork(firstAlternative());
      if (!forked.ok) throw new Error(forked.error.message);
      const { branchId } = forked.branch;
      expect((await inst.switchBranch(branchId)).ok).toBe(true);
      const clocks = clocksOf(inst);
      await inst.seek(forked.branch.fork!.atMs);
      await inst.setRate(16);
      await inst.play();
      await until(() => clocks.find((c) => c.reason === 'hold'), 20_000, 'a hold at the frontier');
      store.failCas = true;
      failing = branchId;
      const rec = await waitFor(() => logged.find((l) => l.msg === 'failed fork: room not taken back to its parent'), {
        what: 'the failed revert logged',
        timeoutMs: 20_000,
      });
      expect(rec).toMatchObject({ roomId, branchId, err: { message: 'store down (test)' } });
    } finally {
      store.failCas = false;
      await s2.close();
    }
  }, 120_000);
});

/** A memory store whose playhead writes fail while `failCas` (a store outage at the moment of the revert). */
class CasFailingStore extends MemoryStore {
  failCas = false;
  override async casPlayhead(...args: Parameters<MemoryStore['casPlayhead']>): ReturnType<MemoryStore['casPlayhead']> {
    if (this.failCas) throw new Error('store down (test)');
    return super.casPlayhead(...args);
  }
}
