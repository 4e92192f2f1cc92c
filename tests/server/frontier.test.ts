import { afterEach, describe, expect, it } from 'vitest';
import type { FrontierSource } from '../../server/streaming/FrontierSource.js';
import { boot, sleep, until, type Booted } from './helpers.js';
import { FIXTURE_BATTLE, FIXTURE_BRANCH } from './fixtures/timeline.js';
import { segmentsSocket, type SegmentsSocket } from './segmentsDelivery.js';

// A progressive fork: the room's clock never runs past the compiled frontier. It holds (reason 'hold') and goes
// on by itself (reason 'resume') when the frontier moves. The frontier source is a test double driven by the
// test (the compiler is not what is under test here); the loop, the server and the clients are real.

class TestFrontier implements FrontierSource {
  private readonly ms = new Map<string, number | null>();
  private readonly listeners = new Set<(battleId: string, branchId: string) => void>();
  compiledMs(battleId: string, branchId: string): number | null {
    return this.ms.get(`${battleId}/${branchId}`) ?? null;
  }
  onAdvance(listener: (battleId: string, branchId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Move the frontier (null: complete) and tell the listeners, as the compiler would. */
  set(battleId: string, branchId: string, ms: number | null): void {
    this.ms.set(`${battleId}/${branchId}`, ms);
    for (const l of this.listeners) l(battleId, branchId);
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
    s = await boot({ frontier, tickMs: 50 });
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
    await sleep(300);
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
    const reasons = seg.received.filter((x) => x.event === 'playback:clock').map((x) => (x.args[0] as { reason: string; positionMs: number }));
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
  });

  it('a paused room is not resumed by a moving frontier (only a hold is)', async () => {
    const frontier = new TestFrontier();
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 5_000);
    s = await boot({ frontier, tickMs: 50 });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = await segmentsSocket(s.url, { roomId, name: 'Sisko', instructorKey });
    raw.push(inst);
    const version = inst.clock()!.version;
    frontier.set(FIXTURE_BATTLE, FIXTURE_BRANCH, 8_000);
    await sleep(200);
    expect(inst.clock()).toMatchObject({ state: 'paused', version, reason: 'init' });
  });
});
