import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterClockBus } from '../../server/streaming/AdapterClockBus.js';
import { MemoryClockHub, type ClockBus, type ClockBusMessage } from '../../server/streaming/ClockBus.js';
import { RedisStore, type RedisClient } from '../../server/store/redis.js';
import { RedisClockBus } from '../../server/streaming/RedisClockBus.js';
import type { IO } from '../../server/types.js';
import { until, waitFor } from './helpers.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// One contract for every ClockBus: a message reaches every other process's listeners, never the publisher's own,
// intact; unsubscribing stops delivery.

const hasRedis = await redisAvailable();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function memoryBuses(n: number): Promise<ClockBus[]> {
  const hub = new MemoryClockHub();
  return Array.from({ length: n }, () => hub.bus());
}

async function adapterBuses(n: number): Promise<ClockBus[]> {
  const key = `${testPrefix()}socket.io`;
  const out: ClockBus[] = [];
  const probe = createClient({ url: REDIS_URL });
  probe.on('error', () => {});
  await probe.connect();
  cleanup.push(() => probe.close());
  for (let i = 0; i < n; i++) {
    const pub = createClient({ url: REDIS_URL });
    const sub = pub.duplicate();
    pub.on('error', () => {});
    sub.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    // Attached to an (unlistened) http server: Server.close() needs an engine to close.
    const io: IO = new Server(createServer(), { adapter: createAdapter(pub, sub, { key }) });
    cleanup.push(async () => {
      await new Promise<void>((r) => io.close(() => r()));
      await Promise.all([pub.close(), sub.close()]);
    });
    out.push(new AdapterClockBus(io));
  }
  // Subscriptions in place: every adapter listens on the channel serverSideEmit publishes to.
  const channel = `${key}-request#/#`;
  await waitFor(async () => (await probe.pubSubNumSub(channel))[channel] === n, {
    what: `${n} subscribers on ${channel}`,
    timeoutMs: 3000,
  });
  return out;
}

/** RedisClockBus on pub/sub connections of their own per "process" (in the app: the adapter's). */
async function redisBuses(n: number, channel = `${testPrefix()}clock`): Promise<RedisClockBus[]> {
  const out: RedisClockBus[] = [];
  for (let i = 0; i < n; i++) {
    const pub = createClient({ url: REDIS_URL }) as RedisClient;
    const sub = pub.duplicate();
    pub.on('error', () => {});
    sub.on('error', () => {});
    await Promise.all([pub.connect(), sub.connect()]);
    cleanup.push(() => Promise.all([pub.close(), sub.close()]));
    out.push(new RedisClockBus(pub, sub, channel));
  }
  return out;
}

const clock = {
  state: 'playing' as const,
  positionMs: 1234.5,
  rate: 2,
  serverTime: 1_700_000_000_000,
  version: 7,
  durationMs: 60_000,
  reason: 'seek' as const,
};

/** A RedisClockBus subscribes on its first listener; the others deliver from then on. */
const subscribed = (buses: ClockBus[]) => Promise.all(buses.map((b) => (b instanceof RedisClockBus ? b.ready() : undefined)));

for (const [name, make, run] of [
  ['memory', memoryBuses, true],
  ['socket.io adapter (Redis)', adapterBuses, hasRedis],
  ['Redis channel', redisBuses, hasRedis],
] as const) {
  describe.runIf(run)(`ClockBus contract: ${name}`, () => {
    it('delivers to every other process, not to the publisher, intact', async () => {
      const [a, b, c] = await make(3);
      const got: Record<string, ClockBusMessage[]> = { a: [], b: [], c: [] };
      a.subscribe((m) => got.a.push(m));
      b.subscribe((m) => got.b.push(m));
      c.subscribe((m) => got.c.push(m));
      await subscribed([a, b, c]);
      const m: ClockBusMessage = { kind: 'clock', roomId: 'r1', playhead: { branchId: 'h', clock } };
      await a.publish(m);
      await b.publish({ kind: 'stops', roomId: 'r1' });
      await until(() => got.b.length === 1 && got.c.length === 2 && got.a.length === 1, 2000, 'delivery');
      expect(got.b).toEqual([m]);
      expect(got.c).toEqual([m, { kind: 'stops', roomId: 'r1' }]);
      expect(got.a).toEqual([{ kind: 'stops', roomId: 'r1' }]);
    });

    it('stops delivering after unsubscribe', async () => {
      const [a, b] = await make(2);
      const got: ClockBusMessage[] = [];
      const still: ClockBusMessage[] = [];
      const off = b.subscribe((m) => got.push(m));
      b.subscribe((m) => still.push(m));
      await subscribed([a, b]);
      await a.publish({ kind: 'stops', roomId: 'r2' });
      await until(() => got.length === 1, 2000, 'first');
      off();
      await a.publish({ kind: 'stops', roomId: 'r3' });
      // The same message reaches b's other listener: had the unsubscribed one still been called, it would be by now.
      await until(() => still.length === 2, 2000, 'r3 on the still-subscribed listener');
      expect(got).toEqual([{ kind: 'stops', roomId: 'r2' }]);
    });
  });
}

describe.runIf(hasRedis)('RedisClockBus with RedisStore.announceClocks', () => {
  it("publishes a playhead write from inside the store's compare-and-set: the other processes hear it, a failed write says nothing", async () => {
    const channel = `${testPrefix()}clock`;
    const [a, b, c] = await redisBuses(3, channel);
    const prefix = testPrefix();
    const store = await RedisStore.connect(REDIS_URL, prefix);
    cleanup.push(() => store.close());
    store.announceClocks(a);
    expect(a.publishedByStore).toBe(true);
    const heardByA: ClockBusMessage[] = [];
    const heardByB: ClockBusMessage[] = [];
    a.subscribe((m) => heardByA.push(m));
    b.subscribe((m) => heardByB.push(m));
    c.subscribe(() => {});
    await subscribed([a, b, c]);
    const room = {
      roomId: 'r9',
      battleId: 'x',
      instructorKey: 'k'.repeat(24),
      settings: { openControl: false, playersAnnotate: false, stepMode: false },
      createdAt: 0,
    };
    await store.createRoom(room, { branchId: 'h', clock: { ...clock, version: 1 } });
    const next = { branchId: 'h', clock: { ...clock, version: 2, positionMs: 9000 } };
    expect((await store.casPlayhead('r9', 1, next)).ok).toBe(true);
    expect((await store.casPlayhead('r9', 1, { ...next, clock: { ...next.clock, version: 3 } })).ok).toBe(false);
    await c.publish({ kind: 'stops', roomId: 'r9' }); // a marker after both writes (one subscriber hears in order)
    await until(() => heardByA.length === 1 && heardByB.length >= 2, 2000, 'the write and the marker');
    expect(heardByB).toEqual([
      { kind: 'clock', roomId: 'r9', playhead: next },
      { kind: 'stops', roomId: 'r9' },
    ]);
    expect(heardByA).toEqual([{ kind: 'stops', roomId: 'r9' }]); // its own write is not delivered back
  });
});
