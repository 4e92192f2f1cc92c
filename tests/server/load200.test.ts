import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { boot, sleep, spread, until, type Booted } from './helpers.js';

// 200 real socket.io clients on loopback in one room. Figures are printed; assertions are correctness
// plus generous bounds only (loopback on a shared CI box is noisy).

const N = 200;
let s: Booted;
let clients: RoomClient[];
let inst: RoomClient;

beforeAll(async () => {
  s = await boot({ rateLimit: { points: 200, durationS: 1 } });
  const { roomId, instructorKey } = await s.createRoom();
  inst = s.client({ roomId, name: 'Sisko', instructorKey, pings: 8 });
  await inst.ready;
  clients = [inst];
  // Join in waves so the ping storm stays realistic.
  for (let i = 1; i < N; i += 50) {
    const wave = Array.from({ length: Math.min(50, N - i) }, (_, k) => s.client({ roomId, name: `viewer${i + k}`, pings: 8 }));
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
    await sleep(3500); // the clients' settle pings (see RoomClientOptions.settleMs) run after the join storm
    // Paused, positions agree trivially; the server-clock estimates are what playing positions inherit.
    const lockstepSpread = spread(clients.map((c) => c.sync.offset));
    // 200 clients in this one process ping in near lockstep and queue behind each other; real browsers
    // do not. One staggered round (one ping at a time) shows what the estimator does with undisturbed samples.
    for (const c of clients) await c.ping();
    const staggeredSpread = spread(clients.map((c) => c.sync.offset));
    await inst.play();
    await sleep(500);

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
    const sent = now();
    const ack = await inst.seek(30_000);
    expect(ack.ok).toBe(true);
    await until(() => received.size === N, 10_000, 'all clients got the seek');
    const delays = [...received.values()].map((t) => t - sent);

    await sleep(300); // keyframes and the stream settle
    const spreads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = now();
      spreads.push(spread(clients.map((c) => c.positionNow(t))));
      await sleep(100);
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
