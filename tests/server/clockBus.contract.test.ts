import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterClockBus } from '../../server/streaming/AdapterClockBus.js';
import { MemoryClockHub, type ClockBus, type ClockBusMessage } from '../../server/streaming/ClockBus.js';
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

const clock = {
  state: 'playing' as const,
  positionMs: 1234.5,
  rate: 2,
  serverTime: 1_700_000_000_000,
  version: 7,
  durationMs: 60_000,
  reason: 'seek' as const,
};

for (const [name, make, run] of [
  ['memory', memoryBuses, true],
  ['socket.io adapter (Redis)', adapterBuses, hasRedis],
] as const) {
  describe.runIf(run)(`ClockBus contract: ${name}`, () => {
    it('delivers to every other process, not to the publisher, intact', async () => {
      const [a, b, c] = await make(3);
      const got: Record<string, ClockBusMessage[]> = { a: [], b: [], c: [] };
      a.subscribe((m) => got.a.push(m));
      b.subscribe((m) => got.b.push(m));
      c.subscribe((m) => got.c.push(m));
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
