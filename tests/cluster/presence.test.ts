import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectRedisBackend } from '../../server/store/redisBackend.js';
import type { RedisStore } from '../../server/store/redis.js';
import { boot, silent, until, waitFor, type Booted } from '../server/helpers.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from '../server/redis.js';

// A process killed with SIGKILL never runs its sockets' disconnect handlers: their members stay "connected" in
// Redis. The presence sweep (server/rooms/presenceSweep.ts) finds them on a surviving process; then the
// pruning grace applies to them like to anyone who left.

const hasRedis = await redisAvailable();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

/** Two processes on one prefix and a room with a member on each (Kira on a, Odo on b). */
async function twoProcessRoom(prefix: string) {
  const a = await node(prefix);
  const b = await node(prefix);
  const { roomId } = await a.createRoom();
  const onA = a.client({ roomId, name: 'Kira' });
  const onB = b.client({ roomId, name: 'Odo' });
  await Promise.all([onA.ready, onB.ready]);
  return { a, b, roomId, onA };
}

/** A key prefix of its own for a test, cleared after it. */
function freshPrefix(): string {
  const prefix = testPrefix();
  cleanup.push(async () => {
    const store = await redisStore(prefix);
    await store.clearPrefix();
    await store.close();
  });
  return prefix;
}

/** Processes booted so far, with a way to stop one early (its adapter subscription goes with it). */
const stops = new Map<Booted, () => Promise<void>>();

async function node(prefix: string): Promise<Booted> {
  const backend = await connectRedisBackend(REDIS_URL, prefix, silent, { memberGraceMs: 400 });
  const s = await boot({
    store: backend.store,
    ownsStore: true,
    adapter: backend.adapter,
    clockBus: backend.clockBus,
    presenceSweepMs: 3_600_000,
  }); // passes run by hand
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      await s.close();
      await backend.close();
    })());
  stops.set(s, stop);
  cleanup.push(stop);
  return s;
}

describe.runIf(hasRedis)('presence sweep', () => {
  it('marks members left "connected" by a dead process as disconnected, then they are pruned', async () => {
    const prefix = testPrefix();
    let store: RedisStore | null = null;
    cleanup.push(async () => {
      await store?.clearPrefix();
      await store?.close();
    });
    const { b, roomId, onA } = await twoProcessRoom(prefix);
    // What a SIGKILLed third process leaves behind: a member stored as connected, with no socket anywhere.
    store = await redisStore(prefix, { memberGraceMs: 400 });
    await store.upsertMember(roomId, { memberId: 'm_ghost', name: 'Weyoun', role: 'viewer', connected: true });

    await b.app.presenceSweep!.run(); // first sighting: only suspected (a join may be half-way)
    expect((await store.getMember(roomId, 'm_ghost'))?.connected).toBe(true);
    await b.app.presenceSweep!.run(); // second: marked disconnected, presence re-broadcast to every process
    expect((await store.getMember(roomId, 'm_ghost'))?.connected).toBe(false);
    await until(() => onA.room()?.members.find((m) => m.memberId === 'm_ghost')?.connected === false, 2000, 'presence on A');
    // Live members on either process are never touched.
    const members = await store.listMembers(roomId);
    expect(
      members
        .filter((m) => m.connected)
        .map((m) => m.name)
        .sort(),
    ).toEqual(['Kira', 'Odo']);

    // Pruned once the grace period (400 ms here) has passed.
    await waitFor(async () => !(await store!.listMembers(roomId)).some((m) => m.memberId === 'm_ghost'), {
      what: 'the ghost pruned',
      timeoutMs: 3000,
    });
    expect((await store.listMembers(roomId)).map((m) => m.name).sort()).toEqual(['Kira', 'Odo']);
  });

  it('sweeps rooms, not their stream sub-rooms', async () => {
    const prefix = freshPrefix();
    const a = await node(prefix);
    const { roomId } = await a.createRoom();
    const viewer = a.client({ roomId, name: 'Kira' }); // socket delivery: also in the room's stream sub-room
    await viewer.ready;
    // This app's service only: another test's app may still be running a timed pass over its own rooms.
    const read = vi.spyOn(a.app.rooms, 'members');
    cleanup.push(async () => read.mockRestore());
    await a.app.presenceSweep!.run();
    expect(read.mock.calls.map(([id]) => id)).toEqual([roomId]);
  });

  it('a timed pass sweeps the rooms only when the processes changed (or a backend was away, or suspects wait)', async () => {
    const prefix = freshPrefix();
    const { a, b, roomId } = await twoProcessRoom(prefix);
    const sweep = a.app.presenceSweep!;
    // This app's service only: another test's app may still be running a timed pass over its own rooms.
    const read = vi.spyOn(a.app.rooms, 'members');
    cleanup.push(async () => read.mockRestore());

    expect(await sweep.tick()).toBe(true); // the first pass after a start sweeps
    read.mockClear();
    expect(await sweep.tick()).toBe(false); // nothing changed: no room read, no cross-process fetchSockets
    expect(await sweep.tick()).toBe(false);
    expect(read).not.toHaveBeenCalled();

    await stops.get(b)!(); // a process goes: the server count drops
    expect(await sweep.tick()).toBe(true);
    expect(read.mock.calls.map(([id]) => id)).toContain(roomId);
    expect(sweep.passes).toMatchObject({ timed: 4, swept: 2 });
  });
});
