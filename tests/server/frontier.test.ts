import { afterEach, describe, expect, it } from 'vitest';
import { frontierSourceOf, type BranchFrontiers } from '../../server/streaming/FrontierSource.js';
import { boot, delivered, ticked, until, type Booted } from './helpers.js';
import { FIXTURE_BATTLE, FIXTURE_BRANCH } from './fixtures/timeline.js';
import { segmentsSocket, type SegmentsSocket } from './segmentsDelivery.js';

// A progressive fork: the room's clock never runs past the compiled frontier. It holds (reason 'hold') and goes
// on by itself (reason 'resume') when the frontier moves. The frontier source is a test double driven by the
// test (the compiler is not what is under test here); the loop, the server and the clients are real.

/** Shaped like the segments compiler's SegmentStore (per-branch frontier and subscribe), wrapped by frontierSourceOf. */
class TestFrontier implements BranchFrontiers {
  private readonly ms = new Map<string, number | null>();
  private readonly listeners = new Map<string, Set<(f: { compiledMs: number; complete: boolean }) => void>>();
  frontier(battleId: string, branchId: string): { compiledMs: number; complete: boolean } | undefined {
    const ms = this.ms.get(`${battleId}/${branchId}`);
    if (ms === undefined) return undefined;
    return ms === null ? { compiledMs: 60_000, complete: true } : { compiledMs: ms, complete: false };
  }
  subscribe(battleId: string, branchId: string, fn: (f: { compiledMs: number; complete: boolean }) => void): () => void {
    const k = `${battleId}/${branchId}`;
    if (!this.listeners.has(k)) this.listeners.set(k, new Set());
    this.listeners.get(k)!.add(fn);
    return () => this.listeners.get(k)?.delete(fn);
  }
  /** Move the frontier (null: complete) and tell the listeners, as the compiler would. */
  set(battleId: string, branchId: string, ms: number | null): void {
    this.ms.set(`${battleId}/${branchId}`, ms);
    const f = this.frontier(battleId, branchId)!;
    for (const l of this.listeners.get(`${battleId}/${branchId}`) ?? []) l(f);
  }
  subscribers(battleId: string, branchId: string): number {
    return this.listeners.get(`${battleId}/${branchId}`)?.size ?? 0;
  }
}

let s: Booted;
const raw: SegmentsSocket[] = [];
afterEach(async () => {
  for (const r of raw.splice(0)) r.close();
  await s.close();
});

describe('frontier: the clock holds at the compiled frontier and resumes by itself', () => {
  it('holds, resumes when the frontier moves, holds again, and plays to the end once complete', async () => {
    const frontier = new TestFrontier();
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 5_000);
    s = await boot({ frontier: frontierSourceOf(frontier), tickMs: 50 });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Kira' });
    await Promise.all([inst.ready, viewer.ready]);
    const seg = await segmentsSocket(s.url, { roomId, name: 'Odo' });
    raw.push(seg);
    let maxEventT = 0;
    viewer.onEvents((events) => {
      for (const e of events) maxEventT = Math.max(maxEventT, e.t);
    });

    await inst.seek(3_000);
    await inst.setRate(4);
    const played = await inst.play();
    expect(played.ok).toBe(true);
    await until(() => seg.clock()?.reason === 'hold', 3000, 'hold at the frontier');
    expect(seg.clock()).toMatchObject({ state: 'paused', positionMs: 5_000 });
    await until(() => viewer.clock()?.reason === 'hold', 2000, 'hold on the socket-delivery client');
    // Held: the play head must not move. Only a new clock could move it; whatever the loop sent in its next ticks
    // has arrived after a ping.
    await ticked(s.app, 3);
    await delivered([viewer]);
    expect(viewer.positionNow()).toBe(5_000);
    // Socket delivery never streamed an event past the frontier, and the folded world stops there.
    expect(maxEventT).toBeLessThanOrEqual(5_000);
    const held = viewer.clock()!.version;

    // Play pressed at the frontier holds again at once.
    await inst.play();
    await until(() => viewer.clock()?.reason === 'hold' && viewer.clock()!.version > held + 1, 2000, 'hold again at once');
    expect(viewer.clock()!.positionMs).toBe(5_000);

    // The frontier moves: the room goes on by itself, from where it held, and holds at the new frontier.
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 9_000);
    await until(() => seg.clock()?.reason === 'resume', 2000, 'resume');
    expect(seg.clock()).toMatchObject({ state: 'playing', positionMs: 5_000, rate: 4 });
    await until(() => seg.clock()?.reason === 'hold' && seg.clock()!.positionMs === 9_000, 3000, 'hold at the new frontier');
    expect(maxEventT).toBeLessThanOrEqual(9_000);

    // A frontier that moves while the room plays moves its hold: no stop at the old one.
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 11_000);
    await until(() => seg.clock()?.reason === 'resume', 2000, 'resume again');
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 20_000);
    await until(() => seg.clock()?.reason === 'hold' && seg.clock()!.positionMs === 20_000, 5000, 'hold at the moved frontier');
    const reasons = seg.received
      .filter((x) => x.event === 'playback:clock')
      .map((x) => x.args[0] as { reason: string; positionMs: number });
    expect(reasons.filter((c) => c.reason === 'hold').map((c) => c.positionMs)).not.toContain(11_000);

    // A seek beyond the frontier holds where it lands; it goes on once the frontier passes it.
    await inst.seek(30_000);
    await inst.play();
    await until(() => seg.clock()?.reason === 'hold' && seg.clock()!.positionMs === 30_000, 2000, 'hold beyond the frontier');
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 31_000);
    await until(() => seg.clock()?.reason === 'hold' && seg.clock()!.positionMs === 31_000, 3000, 'resume, hold at 31 s');

    // Complete: plays on to the end of the timeline.
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, null);
    await until(() => seg.clock()?.reason === 'resume', 2000, 'resume when complete');
    await inst.seek(58_000);
    await until(() => seg.clock()?.reason === 'end', 3000, 'end');
    expect(viewer.clock()!.positionMs).toBe(60_000);

    // One frontier subscription per room, dropped with the room.
    expect(frontier.subscribers(FIXTURE_BATTLE, FIXTURE_BRANCH)).toBe(1);
    for (const c of [inst, viewer]) c.close();
    seg.close();
    await until(() => frontier.subscribers(FIXTURE_BATTLE, FIXTURE_BRANCH) === 0, 2000, 'unsubscribed with the room');
  });

  it('a paused room is not resumed by a moving frontier (only a hold is)', async () => {
    const frontier = new TestFrontier();
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 5_000);
    s = await boot({ frontier: frontierSourceOf(frontier), tickMs: 50 });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = await segmentsSocket(s.url, { roomId, name: 'Sisko', instructorKey });
    raw.push(inst);
    const version = inst.clock()!.version;
    // The loop follows the frontier once it tracks the room: a change before that would go unheard, proving nothing.
    await until(() => frontier.subscribers(FIXTURE_BATTLE, FIXTURE_BRANCH) === 1, 3000, "the loop's frontier subscription");
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 8_000);
    // A frontier change alone must not send a clock: the loop heard it at once (the double tells its listeners
    // synchronously); a resume would be sent then or at a tick, and has arrived after the next ticks and a ping.
    await ticked(s.app, 2);
    await new Promise((r) => inst.socket.emit('clock:ping', { clientTime: 0 }, r));
    expect(inst.clock()).toMatchObject({ state: 'paused', version, reason: 'init' });
  });
  it('in step mode a phase ending exactly at the frontier pauses there as a phase end, not a hold that resumes past it', async () => {
    // The fixture's first phase ends at 20 s; the compile stands exactly there (segments end at decision points,
    // where phases often change).
    const frontier = new TestFrontier();
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 20_000);
    s = await boot({ frontier: frontierSourceOf(frontier), tickMs: 50 });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    expect((await inst.settings({ stepMode: true })).ok).toBe(true);
    await inst.seek(17_000);
    await inst.setRate(4);
    const played = await inst.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(() => inst.clock()!.version > played.clock.version && inst.clock()!.state === 'paused', 3000, 'a stop');
    expect(inst.clock()).toMatchObject({ reason: 'phase-end', positionMs: 20_000 });
    // Play from there: the frontier has not moved, so it holds at once.
    const again = await inst.play();
    if (!again.ok) throw new Error(again.error.message);
    await until(() => inst.clock()!.version > again.clock.version, 3000, 'a hold');
    expect(inst.clock()).toMatchObject({ reason: 'hold', state: 'paused', positionMs: 20_000 });
  });
});
