import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ReactionBatch, ServerToClientEvents } from '../../shared/protocol/events.js';
import { FIXTURE_BATTLE, fixtureTimelines } from '../server/fixtures/timeline.js';
import { benchServer } from './harness.js';
import { createRoom } from './rooms.js';
import { now, sleep } from './time.js';
import { pct, type Row } from './stats.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * N viewers (plain socket.io clients, joined to one room) react at the same moment, then keep reacting at
 * about one reaction per viewer per second. Measures what the coalescing (ReactionBatcher) buys: room
 * broadcasts per second, and latency from a reaction's emit to its batch reaching every viewer.
 * The battle is the small test fixture: reactions do not depend on the battle.
 */
export async function benchReactions(n: number, sustainS = 5): Promise<Row[]> {
  const { url, close } = await benchServer({
    timelines: fixtureTimelines(),
    // One address opens every viewer, and 1,000 exceeds the default room cap (LIMIT_ROOM_MEMBERS=500).
    limits: { connectionsPerMin: 100_000, joinsPerMin: 100_000, roomMembers: 100_000 },
  });
  const clients: Client[] = [];
  try {
    const { roomId } = await createRoom(url, FIXTURE_BATTLE);
    for (let i = 0; i < n; i += 100) {
      const wave = Array.from(
        { length: Math.min(100, n - i) },
        () => connect(url, { transports: ['websocket'], forceNew: true }) as Client,
      );
      await Promise.all(
        wave.map(
          (c, k) =>
            new Promise<void>((resolve, reject) =>
              c.emit('room:join', { roomId, name: `v${i + k}` }, (r) => (r.ok ? resolve() : reject(new Error(r.error.message)))),
            ),
        ),
      );
      clients.push(...wave);
    }
    // Every viewer records when each batch arrives and how many reactions it carried.
    const receipts: { at: number; count: number }[][] = clients.map(() => []);
    clients.forEach((c, i) => {
      c.on('chat:reaction', (b: ReactionBatch) => receipts[i].push({ at: now(), count: b.reactions.reduce((s, r) => s + r.count, 0) }));
    });
    const broadcasts = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(
        text
          .split('\n')
          .find((l) => l.startsWith('wardroom_broadcasts_total{kind="reaction"}'))
          ?.split(' ')
          .pop() ?? 0,
      );
    };
    const symbols = ['applause', 'alarm', 'question', 'fire', 'eyes'] as const;
    let seq = 0;
    const react = (c: Client, positionMs: number) =>
      c.emit('chat:react', { id: `bench-${seq++}-xxxx`, symbol: symbols[seq % 5], positionMs }, () => {});

    // 1) Everyone at once.
    const b0 = await broadcasts();
    const t0 = now();
    for (const c of clients) react(c, 12_000);
    const total = () => receipts.reduce((s, r) => s + r.reduce((m, x) => m + x.count, 0), 0);
    const deadline = Date.now() + 30_000;
    while (total() < n * n && Date.now() < deadline) await sleep(10);
    const burstMs = now() - t0;
    const burstBroadcasts = (await broadcasts()) - b0;
    // Latency of each reaction to each viewer: the batches carry counts, all emitted at t0.
    // Weighted by count: each batch carries `count` reactions that all waited (receipt - t0).
    const lat = weighted(receipts.flatMap((r) => r.map((x) => ({ v: x.at - t0, w: x.count }))));
    const allSeen = receipts.map((r) => r.reduce((m, x) => Math.max(m, x.at), -Infinity) - t0);
    for (const r of receipts) r.length = 0;
    await sleep(500);

    // 2) Sustained: each viewer reacts about once a second, at random instants.
    const b1 = await broadcasts();
    const sent: number[] = [];
    const start = now();
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (let s = 0; s < sustainS; s++) {
      for (const c of clients) {
        const at = s * 1000 + Math.random() * 1000;
        timers.push(
          setTimeout(() => {
            sent.push(now());
            react(c, 20_000 + s * 1000);
          }, at),
        );
      }
    }
    await sleep(sustainS * 1000 + 1000);
    timers.forEach(clearTimeout);
    const sustainBroadcasts = (await broadcasts()) - b1;
    const elapsedS = (now() - start) / 1000;
    // A reaction shows in the first batch one viewer receives after its emit (the batch window it fell in).
    const arrivals = receipts[0].map((x) => x.at);
    const waits = sent.map((t) => (arrivals.find((a) => a > t) ?? NaN) - t).filter(Number.isFinite);
    const gaps = receipts[0].slice(1).map((x, i) => x.at - receipts[0][i].at);
    const batchesSeen = receipts[0].length;
    const received = receipts[0].reduce((m, x) => m + x.count, 0);
    return [
      {
        bench: `reactions: ${n} viewers at once`,
        battle: 'fixture',
        value: burstBroadcasts,
        unit: 'broadcasts',
        note: `${n} reactions -> ${burstBroadcasts} room broadcasts in ${burstMs.toFixed(0)} ms (uncoalesced: ${n}, i.e. ${n * n} socket messages); emit->viewer latency p50 ${lat(50).toFixed(0)} / p95 ${lat(95).toFixed(0)} / max ${lat(100).toFixed(0)} ms; all ${n} viewers saw all ${n} by p95 ${pct(allSeen, 95).toFixed(0)} ms`,
      },
      {
        bench: `reactions: ${n} viewers, ~1/s each`,
        battle: 'fixture',
        value: sustainBroadcasts / elapsedS,
        unit: 'broadcasts/s',
        note: `${sent.length} reactions over ${elapsedS.toFixed(1)} s (${(sent.length / elapsedS).toFixed(0)}/s); one viewer got ${received} in ${batchesSeen} batches, gap between batches p50 ${pct(gaps, 50).toFixed(0)} ms, max ${gaps.reduce((m, g) => Math.max(m, g), 0).toFixed(0)} ms; emit->viewer latency p50 ${pct(waits, 50).toFixed(0)} / p95 ${pct(waits, 95).toFixed(0)} / max ${waits.reduce((m, g) => Math.max(m, g), 0).toFixed(0)} ms`,
      },
    ];
  } finally {
    for (const c of clients) c.disconnect();
    await close();
  }
}

/** Percentiles of values with weights (p in 0..100; 100 = max). */
function weighted(xs: { v: number; w: number }[]): (p: number) => number {
  const sorted = [...xs].sort((a, b) => a.v - b.v);
  const total = sorted.reduce((s, x) => s + x.w, 0);
  return (p) => {
    let acc = 0;
    for (const x of sorted) {
      acc += x.w;
      if (acc >= (p / 100) * total) return x.v;
    }
    return sorted.at(-1)?.v ?? Number.NaN;
  };
}
