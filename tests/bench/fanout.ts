import { RoomClient } from '../../client/lib/roomClient.js';
import type { TimelineEventsMsg } from '../../shared/protocol/events.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { benchServer } from './harness.js';
import { createRoom } from './rooms.js';
import { now, sleep } from './time.js';
import { median, pct, type Row } from './stats.js';

const BATTLE = 'second-battle-of-deep-space-9';

/**
 * N real socket.io clients in one room on loopback. Measures:
 *  - the server-side cost of sending one event batch to the room as ONE encoded broadcast vs one emit per socket;
 *  - clock-change delivery delay (emit -> every client's receipt) and the spread of positionNow() across clients.
 */
export async function benchFanout(n: number): Promise<Row[]> {
  const { app, url, close } = await benchServer();
  const clients: RoomClient[] = [];
  try {
    const { roomId, instructorKey } = await createRoom(url, BATTLE);
    const tl = (await (await fetch(`${url}/api/battles/${BATTLE}/timeline?keyframes=none`)).json()) as Pick<
      Timeline,
      'events' | 'branchId'
    >;
    const mk = (name: string, key?: string) =>
      new RoomClient({ url, roomId, name, instructorKey: key, pings: 6, resyncMs: 0, socket: { forceNew: true } });
    const inst = mk('Sisko', instructorKey);
    await inst.ready;
    clients.push(inst);
    for (let i = 1; i < n; i += 50) {
      const wave = Array.from({ length: Math.min(50, n - i) }, (_, k) => mk(`v${i + k}`));
      await Promise.all(wave.map((c) => c.ready));
      clients.push(...wave);
    }

    // Clock change delivery to all clients.
    await inst.play();
    await sleep(300);
    const delaysAll: number[] = [];
    const spreads: number[] = [];
    for (let round = 0; round < 3; round++) {
      const got = new Map<RoomClient, number>();
      const offs = clients.map((c) =>
        c.subscribe((ch) => {
          if (ch === 'clock' && c.clock()?.reason === 'seek' && !got.has(c)) got.set(c, now());
        }),
      );
      const sent = now();
      await inst.seek(60_000 + round * 30_000);
      const deadline = Date.now() + 10_000;
      while (got.size < clients.length && Date.now() < deadline) await sleep(5);
      for (const off of offs) off();
      delaysAll.push(...[...got.values()].map((t) => t - sent));
      await sleep(400);
      const t = now();
      const ps = clients.map((c) => c.positionNow(t));
      spreads.push(Math.max(...ps) - Math.min(...ps));
    }
    // A representative batch: 2 s of playback from the middle of the battle at 4x (what one tick sends at most).
    const mid = tl.events.findIndex((e) => e.t > 240_000);
    const end = tl.events.findIndex((e) => e.t > 248_000);
    const batch: TimelineEventsMsg = {
      branchId: tl.branchId,
      fromSeq: mid,
      toSeq: end,
      untilMs: 248_000,
      events: tl.events.slice(mid, end),
    };
    const bytes = Buffer.byteLength(JSON.stringify(batch));
    const sockets = [...app.io.sockets.sockets.values()].filter((s) => s.rooms.has(roomId));
    const K = 10;
    const timeIt = (fn: () => void) => {
      const xs: number[] = [];
      for (let k = 0; k < K; k++) {
        const s = performance.now();
        fn();
        xs.push(performance.now() - s);
      }
      return median(xs);
    };
    // Last, because the per-socket variant floods the in-process clients. The clients ignore a batch for a stream position they are not at; the server-side cost is what is measured.
    const once = timeIt(() => app.io.to(roomId).emit('timeline:events', batch));
    await sleep(500);
    const perSocket = timeIt(() => {
      for (const s of sockets) s.emit('timeline:events', batch);
    });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    const metric = (name: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(name))
          ?.split(' ')
          .pop() ?? NaN,
      );
    return [
      {
        bench: `fan-out ${n} clients: one broadcast`,
        battle: BATTLE,
        value: once,
        unit: 'ms',
        note: `${batch.events.length} events, ${(bytes / 1024).toFixed(0)} KiB batch; one emit per socket: ${perSocket.toFixed(2)} ms (${(perSocket / Math.max(once, 0.001)).toFixed(1)}x more server time)`,
      },
      {
        bench: `fan-out ${n} clients: seek delivery`,
        battle: BATTLE,
        value: pct(delaysAll, 50),
        unit: 'ms p50',
        note: `p95 ${pct(delaysAll, 95).toFixed(1)} ms, max ${Math.max(...delaysAll).toFixed(1)} ms (clients share one process with the server)`,
      },
      {
        bench: `fan-out ${n} clients: position spread`,
        battle: BATTLE,
        value: Math.max(...spreads),
        unit: 'ms max',
        note: `positionNow() across all clients at one instant, playing at 1x; loop ticks ${metric('wardroom_loop_ticks_total')}, event broadcasts ${metric('wardroom_broadcasts_total{kind="events"}')}`,
      },
    ];
  } finally {
    for (const c of clients) c.close();
    await close();
  }
}
