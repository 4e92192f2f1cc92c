import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { connectRedisBackend } from '../../server/store/redisBackend.js';
import { boot, elapse, silent, until, type Booted } from '../server/helpers.js';
import { testPrefix } from '../server/redis.js';
import { RedisServer, waitFor } from '../../deploy/processes.js';

// Redis itself goes away for 5 s while a room plays on two server processes (two apps wired exactly as
// server/index.ts wires REDIS_URL). The test owns its redis-server (never the shared one) and SIGKILLs it.

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && process.env.CI === 'true') throw new Error('redis-server is required under CI');

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function node(url: string, prefix: string): Promise<Booted> {
  const backend = await connectRedisBackend(url, prefix, silent);
  const s = await boot({
    store: backend.store,
    ownsStore: true,
    adapter: backend.adapter,
    clockBus: backend.clockBus,
    health: backend.health,
  });
  cleanup.push(async () => {
    await s.close();
    await backend.close();
  });
  return s;
}

const health = async (s: Booted) => {
  const res = await fetch(`${s.url}/healthz`);
  return { status: res.status, body: (await res.json()) as { ok: boolean; reason?: string } };
};

/** Latest event time each client has received from the stream (how far ahead it can play). */
function horizon(c: RoomClient): () => number {
  let t = -1;
  c.onEvents((events) => {
    for (const e of events) t = Math.max(t, e.t);
  });
  return () => t;
}

describe.runIf(hasRedisServer)('Redis outage', () => {
  it('processes stay up, /healthz turns 503, commands ack UNAVAILABLE, playback goes on; all recovers when Redis returns', async () => {
    const redis = await RedisServer.start({ fsync: 'always' });
    cleanup.push(() => redis.close());
    const prefix = testPrefix();
    const a = await node(redis.url, prefix);
    const b = await node(redis.url, prefix);
    const { roomId, instructorKey } = await a.createRoom();
    const inst = a.client({ roomId, name: 'Sisko', instructorKey });
    const viewers = [a.client({ roomId, name: 'Quark' }), b.client({ roomId, name: 'Odo' }), b.client({ roomId, name: 'Rom' })];
    await Promise.all([inst.ready, ...viewers.map((v) => v.ready)]);
    const horizons = viewers.map(horizon);
    expect((await inst.seek(5_000)).ok).toBe(true);
    const played = await inst.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(() => viewers.every((v) => v.clock()?.version === played.clock.version), 2000, 'play everywhere');
    // Kept fixed: whether the stream flows through the outage depends on where the loops' refreshes fall relative to
    // the kill, which the test cannot observe (the horizon check below fails now and then on main too).
    await elapse(300);

    // ---- Redis goes away ------------------------------------------------------------------------
    await redis.kill();
    const down = performance.now();
    const horizonAtKill = Math.min(...horizons.map((h) => h()));
    await waitFor('503 on both', async () => (await health(a)).status === 503 && (await health(b)).status === 503, 3000);
    const h = await health(a);
    expect(h.status).toBe(503);
    expect(h.body.ok).toBe(false);
    expect(h.body.reason).toMatch(/redis/);
    expect((await health(b)).status).toBe(503);

    // Commands answer at once with UNAVAILABLE, on both processes, instead of hanging.
    const note = { id: 'outage-note-1', positionMs: 30_000, text: 'Made while Redis was down' };
    const t0 = performance.now();
    const [seekDown, addDown, joinDown] = await Promise.all([
      inst.seek(20_000),
      inst.addAnnotation(note),
      b.client({ roomId, name: 'Nog' }).ready.then(
        () => 'joined',
        (e: unknown) => String(e),
      ),
    ]);
    const ackMs = performance.now() - t0;
    expect(!seekDown.ok && seekDown.error.code).toBe('UNAVAILABLE');
    expect(!addDown.ok && addDown.error.code).toBe('UNAVAILABLE');
    expect(joinDown).toMatch(/UNAVAILABLE|unavailable/);
    expect(ackMs).toBeLessThan(3000);
    // HTTP too: the documented error shape with 503, at once.
    const created = await fetch(`${b.url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"battleId":"fixture-skirmish"}',
    });
    expect(created.status).toBe(503);
    expect(((await created.json()) as { error: { code: string } }).error.code).toBe('UNAVAILABLE');

    // Playback goes on from the clock each process holds: still playing, and the stream keeps flowing.
    await elapse(5000 - (performance.now() - down)); // the outage lasts 5 s: that is the scenario
    const t = performance.timeOrigin + performance.now();
    for (const v of viewers) {
      expect(v.clock()?.state).toBe('playing');
      expect(v.clock()?.version).toBe(played.clock.version);
    }
    const positions = viewers.map((v) => v.positionNow(t));
    expect(Math.max(...positions) - Math.min(...positions)).toBeLessThan(15);
    expect(Math.min(...horizons.map((hz) => hz()))).toBeGreaterThan(horizonAtKill + 3000);

    // ---- Redis returns ----------------------------------------------------------------------------
    await redis.restart();
    const up = performance.now();
    await waitFor('healthy again', async () => (await health(a)).status === 200 && (await health(b)).status === 200, 5000);
    const healthyMs = performance.now() - up;

    // The same annotation, retried: lands once, and reaches the other process's sockets (adapter resubscribed).
    let added = await inst.addAnnotation(note);
    await waitFor('the annotation retry answered other than UNAVAILABLE', async () => {
      if (!added.ok && added.error.code === 'UNAVAILABLE') added = await inst.addAnnotation(note);
      return added.ok || added.error.code !== 'UNAVAILABLE';
    });
    expect(added.ok).toBe(true);
    await until(() => viewers.every((v) => v.room()?.annotations.some((x) => x.id === note.id)), 2000, 'annotation everywhere');
    const recoveredMs = performance.now() - up;
    expect((await inst.addAnnotation(note)).ok).toBe(true); // a second retry is harmless
    const listed = (await (await fetch(`${b.url}/api/rooms/${roomId}/annotations`)).json()) as { annotations: { id: string }[] };
    expect(listed.annotations.filter((x) => x.id === note.id)).toHaveLength(1);

    // The seek, retried: one new clock version, on every process.
    const sought = await inst.seek(20_000);
    if (!sought.ok) throw new Error(sought.error.message);
    expect(sought.clock.version).toBe(played.clock.version + 1);
    await until(() => viewers.every((v) => v.clock()?.version === sought.clock.version), 2000, 'seek everywhere');
    // A fresh join works again on the other process.
    const late = b.client({ roomId, name: 'Ezri' });
    expect((await late.ready).room.annotations.map((x) => x.id)).toContain(note.id);
    console.log(
      `[outage] ack during outage ${ackMs.toFixed(0)} ms; healthy ${healthyMs.toFixed(0)} ms and cross-process broadcast ${recoveredMs.toFixed(0)} ms after Redis returned`,
    );
  });
});
