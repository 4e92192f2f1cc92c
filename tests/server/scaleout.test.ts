import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { boot, clientId, sleep, spread, until, type Booted } from './helpers.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from './redis.js';

// Two server processes (two apps, as index.ts wires them with REDIS_URL) sharing one Redis:
// store + socket.io Redis adapter. A room's members may sit on either process.

const hasRedis = await redisAvailable();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function node(prefix: string): Promise<Booted> {
  const store = await redisStore(prefix);
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  pub.on('error', () => {});
  sub.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const s = await boot({ store, ownsStore: true, adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }) });
  cleanup.push(async () => {
    await s.close();
    await Promise.all([pub.close(), sub.close()]);
  });
  return s;
}

describe.runIf(hasRedis)('two processes, one Redis', () => {
  it('members on different processes stay in sync; a killed process loses nothing acknowledged', async () => {
    const prefix = testPrefix();
    // Registered first, so it runs last: closing apps still write (members turn disconnected).
    cleanup.push(async () => {
      await sleep(100);
      const s = await redisStore(prefix);
      await s.clearPrefix();
      await s.close();
    });
    const a = await node(prefix);
    const b = await node(prefix);
    const { roomId, instructorKey } = await a.createRoom();
    const cid = clientId();
    const instA = a.client({ roomId, name: 'Sisko', instructorKey, clientId: cid });
    const viewerB = b.client({ roomId, name: 'Odo' });
    const viewerA = a.client({ roomId, name: 'Quark' });
    await Promise.all([instA.ready, viewerB.ready, viewerA.ready]);

    // Commands on A reach B's sockets: clock via the adapter, keyframe + stream from B's own loop.
    await instA.seek(20_000);
    const played = await instA.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(() => viewerB.clock()?.version === played.clock.version, 2000, 'clock on B');
    await sleep(400);
    let t = performance.timeOrigin + performance.now();
    expect(spread([instA, viewerA, viewerB].map((c) => c.positionNow(t)))).toBeLessThan(10);
    expect(viewerB.stateNow(t)!.phaseId).toBe('melee');
    expect(Math.abs(viewerB.stateNow(t)!.nextSeq - viewerA.stateNow(t)!.nextSeq)).toBeLessThanOrEqual(1);

    // An annotation acked by A is broadcast once to B's sockets and survives A's death.
    const added = await instA.addAnnotation({ id: 'scaleout-note-1', positionMs: 25_000, text: 'Watch the flank', stop: true });
    expect(added.ok).toBe(true);
    await until(() => viewerB.room()?.annotations.length === 1, 2000, 'annotation on B');

    // Auto-pause with sockets on both processes: exactly one pause wins (compare-and-set on the clock).
    await until(() => viewerB.clock()?.reason === 'autopause' && viewerA.clock()?.reason === 'autopause', 8000, 'autopause');
    expect(viewerB.clock()!.positionMs).toBe(25_000);
    expect(viewerB.clock()!.version).toBe(viewerA.clock()!.version);
    expect(viewerB.clock()!.version).toBe(played.clock.version + 1);

    // Kill process A. Its instructor reconnects to B (what the load balancer would do) with the same clientId.
    await a.close();
    const instB = b.client({ roomId, name: 'Sisko', clientId: cid });
    const rejoined = await instB.ready;
    expect(rejoined.you.role).toBe('instructor'); // reclaimed by clientId, no key re-sent
    expect(rejoined.room.annotations.map((x) => x.id)).toEqual(['scaleout-note-1']);
    expect(rejoined.room.clock.positionMs).toBe(25_000);
    const again = await instB.play();
    expect(again.ok).toBe(true);
    await sleep(300);
    t = performance.timeOrigin + performance.now();
    expect(spread([instB, viewerB].map((c) => c.positionNow(t)))).toBeLessThan(10);
    expect(instB.positionNow(t)).toBeGreaterThan(25_000);
  });
});
