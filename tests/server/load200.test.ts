import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { advanced, boot, elapse, spread, until, waitFor, type Booted } from './helpers.js';

// 200 real socket.io clients on loopback in one room. Figures are printed; assertions are correctness
// plus generous bounds only (loopback on a shared CI box is noisy).

const N = 200;
let s: Booted;
let clients: RoomClient[];
let inst: RoomClient;
/** Completed pings per client (join pings and the settle pings that follow the join). */
const pings = new Map<RoomClient, number>();
const JOIN_PINGS = 8;
const SETTLE_PINGS = 3; // RoomClientOptions.settleMs' default has three

/** Counts c's completed pings; the settle timers call c.ping() too, so they count. */
function countPings(c: RoomClient): RoomClient {
  pings.set(c, 0);
  const ping = c.ping.bind(c);
  c.ping = () => ping().finally(() => pings.set(c, pings.get(c)! + 1));
  return c;
}

beforeAll(async () => {
  s = await boot({ rateLimit: { points: 200, durationS: 1 } });
  const { roomId, instructorKey } = await s.createRoom();
  inst = countPings(s.client({ roomId, name: 'Sisko', instructorKey, pings: JOIN_PINGS }));
  await inst.ready;
  clients = [inst];
  // Join in waves so the ping storm stays realistic.
  for (let i = 1; i < N; i += 50) {
    const wave = Array.from({ length: Math.min(50, N - i) }, (_, k) =>
      countPings(s.client({ roomId, name: `viewer${i + k}`, pings: JOIN_PINGS })),
    );
    await Promise.all(wave.map((c) => c.ready));
    clients.push(...wave);
  }
}, 120_000);
afterAll(() => s.close());

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

describe(`${N} clients in one room`, () => {
  it('agree on the playback position and receive clock changes quickly', async () => {
    expect(clients).toHaveLength(N);
    // The clients' settle pings (see RoomClientOptions.settleMs) run after the join storm.
    await waitFor(() => clients.every((c) => pings.get(c)! >= JOIN_PINGS + SETTLE_PINGS), {
      what: 'every client’s settle pings',
      timeoutMs: 15_000,
    });
    // Paused, positions agree trivially; the server-clock estimates are what playing positions inherit.
    const lockstepSpread = spread(clients.map((c) => c.sync.offset));
    // 200 clients in this one process ping in near lockstep and queue behind each other; real browsers
    // do not. One staggered round (one ping at a time) shows what the estimator does with undisturbed samples.
    for (const c of clients) await c.ping();
    const staggeredSpread = spread(clients.map((c) => c.sync.offset));
    await inst.play();
    await advanced(inst, 500);

    // Emit -> receipt delay of a clock change, per client.
    const received = new Map<RoomClient, number>();
    const now = () => performance.timeOrigin + performance.now();
    for (const c of clients) {
      const off = c.subscribe((ch) => {
        if (ch === 'clock' && !received.has(c) && c.clock()?.reason === 'seek') {
          received.set(c, now());
          off();
        }
      });
    }
    const keyframes = clients.map((c) => c.nextKeyframe());
    const sent = now();
    const ack = await inst.seek(30_000);
    expect(ack.ok).toBe(true);
    await until(() => received.size === N, 10_000, 'all clients got the seek');
    const delays = [...received.values()].map((t) => t - sent);

    await Promise.all(keyframes); // the seek's keyframe everywhere
    const spreads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = now();
      spreads.push(spread(clients.map((c) => c.positionNow(t))));
      await elapse(100); // samples spread over half a second of playing
    }
    const t = now();
    const seqs = clients.map((c) => c.stateNow(t)!.nextSeq);
    const rtts = clients.map((c) => c.sync.rtt);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const lag = metrics.split('\n').filter((l) => l.startsWith('wardroom_loop_lag_ms_sum') || l.startsWith('wardroom_loop_lag_ms_count'));

    console.log(
      [
        `[load ${N}] clock-offset spread (ms): ${lockstepSpread.toFixed(2)} after join+settle pings, ${staggeredSpread.toFixed(2)} after one staggered ping round; playing-position spread at one instant max ${Math.max(...spreads).toFixed(2)}`,
        `[load ${N}] seek emit->receipt delay (ms): p50 ${pct(delays, 50).toFixed(1)}, p95 ${pct(delays, 95).toFixed(1)}, max ${Math.max(...delays).toFixed(1)}`,
        `[load ${N}] ping rtt (ms): p50 ${pct(rtts, 50).toFixed(2)}, max ${Math.max(...rtts).toFixed(2)}`,
        `[load ${N}] world nextSeq spread: ${Math.max(...seqs) - Math.min(...seqs)}; loop ${lag.join(', ')}`,
      ].join('\n'),
    );

    expect(Math.max(...spreads)).toBeLessThan(50);
    expect(pct(delays, 95)).toBeLessThan(2000);
    expect(Math.max(...seqs) - Math.min(...seqs)).toBeLessThanOrEqual(3);
    expect(clients.every((c) => c.clock()?.version === inst.clock()?.version)).toBe(true);
  });
});
