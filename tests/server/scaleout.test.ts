import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../server/app.js';
import type { Store } from '../../server/store/types.js';
import { advanced, boot, clientId, spread, syncBound, ticked, until, waitFor, within, type Booted } from './helpers.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from './redis.js';
import { segmentsSocket } from './segmentsDelivery.js';

// Two server processes (two apps, as index.ts wires them with REDIS_URL) sharing one Redis:
// store + socket.io Redis adapter. A room's members may sit on either process.

const hasRedis = await redisAvailable();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function node(prefix: string, opts: AppOptions & { wrap?: (s: Store) => Store } = {}): Promise<Booted> {
  const { wrap, ...appOpts } = opts;
  const redis = await redisStore(prefix);
  const store = wrap ? wrap(redis) : redis;
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  pub.on('error', () => {});
  sub.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect()]);
  const s = await boot({ store, ownsStore: true, adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }), ...appOpts });
  cleanup.push(async () => {
    await s.close();
    await Promise.all([pub.close(), sub.close()]);
  });
  return s;
}

describe.runIf(hasRedis)('two processes, one Redis', () => {
  it('members on different processes stay in sync; a killed process loses nothing acknowledged', async () => {
    const prefix = testPrefix();
    // Registered first, so it runs last: the apps have closed, and closing wrote their members as disconnected.
    cleanup.push(async () => {
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
    const keyframeB = viewerB.nextKeyframe();
    await instA.seek(20_000);
    const played = await instA.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(() => viewerB.clock()?.version === played.clock.version, 2000, 'clock on B');
    await keyframeB;
    await advanced(viewerB, 400); // B streams while playing
    let t = performance.timeOrigin + performance.now();
    expect(spread([instA, viewerA, viewerB].map((c) => c.positionNow(t)))).toBeLessThan(syncBound([instA, viewerA, viewerB]));
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
    await advanced(instB, 300);
    t = performance.timeOrigin + performance.now();
    expect(spread([instB, viewerB].map((c) => c.positionNow(t)))).toBeLessThan(syncBound([instB, viewerB]));
    expect(instB.positionNow(t)).toBeGreaterThan(25_000);
  });
});

/** Counts the store calls a process makes (by method), to show what it does NOT read; `pending` counts calls in flight. */
function counting(counts: Map<string, number>, pending = { calls: 0 }) {
  return (store: Store): Store =>
    new Proxy(store, {
      get(target, key, receiver) {
        const v: unknown = Reflect.get(target, key, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          counts.set(String(key), (counts.get(String(key)) ?? 0) + 1);
          // Reads made by the process's playback loop (its ticks, its bus handling), counted apart from those a client's
          // request makes (a join, a room-state request, an HTTP route: under load one landed after the test's
          // "before", twice: a red CI run read 5 for 4, and a run beside a CPU hog 1 for 0).
          if ((new Error().stack ?? '').includes('PlaybackLoop.')) {
            counts.set(`${String(key)}@loop`, (counts.get(`${String(key)}@loop`) ?? 0) + 1);
          }
          const r = (v as (...a: unknown[]) => unknown).apply(target, args);
          if (r instanceof Promise) {
            pending.calls++;
            r.finally(() => pending.calls--).catch(() => {});
          }
          return r;
        };
      },
    });
}

const metricOf = async (url: string, name: string) =>
  Number(
    (await (await fetch(`${url}/metrics`)).text())
      .split('\n')
      .find((l) => l.startsWith(name))
      ?.split(' ')
      .pop() ?? NaN,
  );

describe.runIf(hasRedis)('two processes: clock changes by pub/sub, not polling', () => {
  it('a clock change on A reaches B’s clients at once, and B reads no playhead while the room plays', async () => {
    const prefix = testPrefix();
    cleanup.push(async () => {
      const s = await redisStore(prefix);
      await s.clearPrefix();
      await s.close();
    });
    const readsB = new Map<string, number>();
    const pendingB = { calls: 0 };
    // Reconciliation far away: whatever B learns within the test, it learns from the bus.
    const a = await node(prefix, { reconcileMs: 60_000 });
    const b = await node(prefix, { reconcileMs: 60_000, wrap: counting(readsB, pendingB) });
    const { roomId, instructorKey } = await a.createRoom();
    const instA = a.client({ roomId, name: 'Sisko', instructorKey });
    const viewerB = b.client({ roomId, name: 'Odo' });
    await Promise.all([instA.ready, viewerB.ready]);
    const segB = await segmentsSocket(b.url, { roomId, name: 'Kira' });
    cleanup.push(async () => segB.close());
    await waitFor(() => (readsB.get('listAnnotations') ?? 0) > 0 && pendingB.calls === 0, {
      what: 'B’s first load of the room (playhead, stop points)',
      timeoutMs: 3000,
    });

    // Reads by B's own machinery (its loop, its bus handling), not those a client's request makes.
    const playheadReads = () => readsB.get('getPlayhead@loop') ?? 0;
    const before = playheadReads();
    // A seek made on A: B's loop keyframes its socket-delivery client itself, straight from the bus message.
    const keyframe = viewerB.nextKeyframe();
    const sent = performance.timeOrigin + performance.now();
    const seeked = await instA.seek(30_000);
    if (!seeked.ok) throw new Error(seeked.error.message);
    await within(keyframe, 1000, 'the keyframe on B');
    const delay = performance.timeOrigin + performance.now() - sent;
    expect(viewerB.stateNow()!.phaseId).toBe('melee');
    console.log(`[scaleout] seek on A -> keyframe on B: ${delay.toFixed(1)} ms`);

    const played = await instA.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(
      () => segB.clock()?.version === played.clock.version && viewerB.clock()?.version === played.clock.version,
      1000,
      'play on B',
    );
    await ticked(b.app, 6); // six of B's loop ticks while playing: B must read no playhead in any of them
    const t = performance.timeOrigin + performance.now();
    expect(spread([instA, viewerB].map((c) => c.positionNow(t)))).toBeLessThan(syncBound([instA, viewerB]));
    expect(Math.abs(viewerB.stateNow(t)!.nextSeq - instA.stateNow(t)!.nextSeq)).toBeLessThanOrEqual(1);
    // Six ticks of playing took B no playhead read at all (it used to read one per tick).
    expect(playheadReads()).toBe(before);

    // A stop annotation added on A: B's loop hears of it by the bus too (its stop cache would last 60 s).
    const added = await instA.addAnnotation({ id: 'pubsub-note-1', positionMs: 31_500, text: 'Stop here', stop: true });
    expect(added.ok).toBe(true);
    await until(() => segB.clock()?.reason === 'autopause', 3000, 'autopause seen on B');
    expect(segB.clock()!.positionMs).toBe(31_500);
    expect(await metricOf(b.url, 'wardroom_clock_repairs_total')).toBe(0);
  });

  it('a lost change message is repaired by the slow reconciliation read, and counted', async () => {
    const prefix = testPrefix();
    cleanup.push(async () => {
      const s = await redisStore(prefix);
      await s.clearPrefix();
      await s.close();
    });
    const readsB = new Map<string, number>();
    const pendingB = { calls: 0 };
    const b = await node(prefix, { reconcileMs: 300, wrap: counting(readsB, pendingB) });
    const { roomId } = await b.createRoom();
    const viewerB = b.client({ roomId, name: 'Odo' });
    await viewerB.ready;
    await waitFor(() => (readsB.get('listAnnotations') ?? 0) > 0 && pendingB.calls === 0, {
      what: 'B’s first load of the room',
      timeoutMs: 3000,
    });
    // A process whose message never arrived: it writes the playhead and tells nobody.
    const silentStore = await redisStore(prefix);
    cleanup.push(() => silentStore.close());
    const ph = (await silentStore.getPlayhead(roomId))!;
    // Written 5 s ago: its message would long have arrived (a younger change may just be in flight, not lost).
    const lost = { ...ph.clock, positionMs: 40_000, version: ph.clock.version + 1, serverTime: Date.now() - 5000, reason: 'seek' as const };
    const next = { ...ph, clock: lost };
    expect((await silentStore.casPlayhead(roomId, ph.clock.version, next)).ok).toBe(true);
    await until(() => viewerB.clock()?.version === next.clock.version, 2000, 'repaired clock on B’s client');
    await until(() => viewerB.stateNow()?.phaseId === 'withdrawal', 2000, 'keyframe after the repair');
    expect(await metricOf(b.url, 'wardroom_clock_repairs_total')).toBe(1);
  });

  it('a command written against a stale held clock (its change message lost) lands once, on the store’s clock', async () => {
    const prefix = testPrefix();
    cleanup.push(async () => {
      const s = await redisStore(prefix);
      await s.clearPrefix();
      await s.close();
    });
    const b = await node(prefix, { reconcileMs: 60_000 });
    const { roomId, instructorKey } = await b.createRoom();
    const inst = b.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = b.client({ roomId, name: 'Odo' });
    await Promise.all([inst.ready, viewer.ready]);
    // Another process's change that B never hears of: B still holds the older clock.
    const silentStore = await redisStore(prefix);
    cleanup.push(() => silentStore.close());
    const ph = (await silentStore.getPlayhead(roomId))!;
    const unheard = { ...ph, clock: { ...ph.clock, positionMs: 40_000, version: ph.clock.version + 1 } };
    expect((await silentStore.casPlayhead(roomId, ph.clock.version, unheard)).ok).toBe(true);
    // B writes against what it holds, loses the compare-and-set, and retries on the store's clock.
    const res = await inst.seek(30_000);
    if (!res.ok) throw new Error(res.error.message);
    expect(res.clock.version).toBe(unheard.clock.version + 1);
    expect(res.clock.positionMs).toBe(30_000);
    expect((await silentStore.getPlayhead(roomId))?.clock).toEqual(res.clock);
    await until(() => viewer.clock()?.version === res.clock.version, 2000, 'the clock on B’s viewer');
  });
});
