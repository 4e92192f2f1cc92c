import { createClient } from 'redis';
import { RoomClient, type RoomClientOptions } from '../../client/lib/roomClient.js';
import { startCluster } from '../../deploy/cluster.js';
import { RedisServer, startServer } from '../../deploy/processes.js';
import { initialClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo } from '../../shared/protocol/events.js';
import { RedisStore } from '../../server/store/redis.js';
import { median, pct, type Row } from './stats.js';

// Multi-process figures (issue #12): the same viewers, rooms and commands on ONE server process (memory store)
// and on THREE processes sharing one Redis (store + socket.io adapter), every server a real child process
// (server/index.ts), clients in this process connecting straight to the processes (round robin, as the balancer
// spreads browsers). Plus Redis memory per room.

const BATTLE = 'second-battle-of-deep-space-9';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Case {
  rooms: number;
  viewersPerRoom: number;
  seeks: number;
}

interface Measured {
  seekMs: number[];
  /** The same receipts split: viewers on the instructor's process, and on the others (through Redis pub/sub). */
  sameMs: number[];
  otherMs: number[];
  joinMs: number;
}

/** Rooms playing with viewers spread over `urls`; seeks from each room's instructor in turn. */
async function drive(urls: string[], c: Case): Promise<Measured & { rooms: number; idle(ms: number): Promise<void>; close(): void }> {
  const clients: RoomClient[] = [];
  const rooms: { inst: RoomClient; viewers: RoomClient[] }[] = [];
  // Compile the battle on every process first (COMPILE_ON_START=false): joins then measure serving, not compiling.
  await Promise.all(urls.map((u) => fetch(`${u}/api/battles/${BATTLE}`).then((r) => r.arrayBuffer())));
  const t0 = performance.now();
  let k = 0;
  const home = new Map<RoomClient, string>();
  for (let r = 0; r < c.rooms; r++) {
    const res = await fetch(`${urls[0]}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ battleId: BATTLE }),
    });
    const { roomId, instructorKey } = (await res.json()) as { roomId: string; instructorKey: string };
    const mk = (name: string, key?: string) =>
      track(urls[k++ % urls.length], {
        roomId,
        name,
        instructorKey: key,
        pings: 4,
        settleMs: [],
        resyncMs: 0,
        socket: { forceNew: true, transports: ['websocket'] },
      });
    const track = (url: string, o: Omit<RoomClientOptions, 'url'>) => {
      const client = new RoomClient({ url, ...o });
      home.set(client, url);
      return client;
    };
    const inst = mk('Sisko', instructorKey);
    const viewers = Array.from({ length: c.viewersPerRoom }, (_, i) => mk(`v${i}`));
    clients.push(inst, ...viewers);
    await Promise.all([inst.ready, ...viewers.map((v) => v.ready)]);
    rooms.push({ inst, viewers });
  }
  const joinMs = performance.now() - t0;
  for (const room of rooms) await room.inst.play();
  await sleep(1500);

  const seekMs: number[] = [];
  const sameMs: number[] = [];
  const otherMs: number[] = [];
  for (let s = 0; s < c.seeks; s++) {
    const { inst, viewers } = rooms[s % rooms.length];
    const got = new Map<RoomClient, number>();
    const target = 60_000 + s * 7_000;
    const offs = viewers.map((v) =>
      v.subscribe((ch) => {
        if (ch === 'clock' && v.clock()?.positionMs === target && !got.has(v)) got.set(v, now());
      }),
    );
    const sent = now();
    await inst.seek(target);
    const deadline = Date.now() + 5000;
    while (got.size < viewers.length && Date.now() < deadline) await sleep(2);
    for (const off of offs) off();
    for (const [v, t] of got) {
      seekMs.push(t - sent);
      (home.get(v) === home.get(inst) ? sameMs : otherMs).push(t - sent);
    }
    await inst.play();
    await sleep(250);
  }
  return {
    seekMs,
    sameMs,
    otherMs,
    joinMs,
    rooms: rooms.length,
    idle: (ms) => sleep(ms),
    close: () => {
      for (const x of clients) x.close();
    },
  };
}

async function commandStats(url: string): Promise<Map<string, number>> {
  const c = createClient({ url });
  await c.connect();
  const text = await c.info('commandstats');
  await c.close();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

export async function benchCluster(quick: boolean): Promise<Row[]> {
  const c: Case = quick ? { rooms: 4, viewersPerRoom: 10, seeks: 12 } : { rooms: 10, viewersPerRoom: 20, seeks: 30 };
  const env = { COMPILE_ON_START: 'false', LOG_LEVEL: 'warn' };
  const label = `${c.rooms} rooms x ${c.viewersPerRoom + 1} clients`;

  // One process, memory store.
  const single = await startServer(env);
  let one: Measured;
  try {
    const run = await drive([single.url], c);
    one = run;
    run.close();
  } finally {
    await single.stop();
  }

  // Three processes, one Redis.
  const cluster = await startCluster({ env });
  try {
    const run = await drive(
      cluster.servers.map((s) => s.url),
      c,
    );
    // Quiet window: every room playing, nothing changing.
    const windowMs = quick ? 5000 : 10_000;
    const before = await commandStats(cluster.redis.url);
    await run.idle(windowMs);
    const after = await commandStats(cluster.redis.url);
    run.close();
    const deltas = [...after]
      .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
      .filter(([k, d]) => d > 0 && k !== 'info' && k !== 'hello'); // not the probe's own
    const total = deltas.reduce((s, [, d]) => s + d, 0);
    const perRoomSec = total / run.rooms / (windowMs / 1000);
    const top = deltas
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k, d]) => `${k} ${(d / run.rooms / (windowMs / 1000)).toFixed(1)}`)
      .join(', ');
    const three = run;
    const fmt = (m: Measured) =>
      `p50 ${pct(m.seekMs, 50).toFixed(1)} / p99 ${pct(m.seekMs, 99).toFixed(1)} ms (${m.seekMs.length} receipts)`;
    return [
      {
        bench: `cluster ${label}: seek -> every viewer, 1 process`,
        battle: BATTLE,
        value: median(one.seekMs),
        unit: 'ms p50',
        note: fmt(one),
      },
      {
        bench: `cluster ${label}: seek -> every viewer, 3 processes`,
        battle: BATTLE,
        value: median(three.seekMs),
        unit: 'ms p50',
        note: `${fmt(three)}; on the instructor's process p50 ${pct(three.sameMs, 50).toFixed(1)}, on the others p50 ${pct(three.otherMs, 50).toFixed(1)} ms; delta vs 1 process p50 ${(median(three.seekMs) - median(one.seekMs)).toFixed(1)} ms, p99 ${(pct(three.seekMs, 99) - pct(one.seekMs, 99)).toFixed(1)} ms`,
      },
      {
        bench: `cluster ${label}: Redis commands per playing room`,
        battle: BATTLE,
        value: perRoomSec,
        unit: 'cmd/room/s',
        note: `3 processes, nothing changing for ${windowMs / 1000} s; top: ${top}`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}

/** `MEMORY USAGE` of every key of one room with 50 annotations, 5 branch records and 20 members. */
export async function benchRedisMemory(): Promise<Row[]> {
  const redis = await RedisServer.start();
  try {
    const client = createClient({ url: redis.url });
    await client.connect();
    const store = new RedisStore(client, 'wardroom:');
    const roomId = 'AbCdEfGh';
    await store.createRoom(
      {
        roomId,
        battleId: BATTLE,
        instructorKey: 'x'.repeat(24),
        settings: { openControl: false, playersAnnotate: true, stepMode: false },
        createdAt: Date.now(),
      },
      { branchId: 'h'.repeat(22), clock: initialClock(492_000, Date.now()) },
    );
    for (let i = 0; i < 20; i++)
      await store.upsertMember(roomId, {
        memberId: `m_${String(i).padStart(14, '0')}`,
        name: `Cadet ${i}`,
        role: i ? 'viewer' : 'instructor',
        connected: i % 3 !== 0,
      });
    for (let i = 0; i < 50; i++) {
      const a: Annotation = {
        id: `note-${String(i).padStart(12, '0')}`,
        roomId,
        branchId: 'h'.repeat(22),
        positionMs: i * 9_000,
        text: "The Defiant breaks formation to draw the Jem'Hadar fighters away from the minefield. Watch the left flank.".slice(
          0,
          60 + (i % 40),
        ),
        phaseId: 'phase-2',
        at: { x: 120.5, y: 88.25 },
        author: 'Sisko',
        authorId: 'm_00000000000000',
        authorRole: 'instructor',
        createdAt: Date.now(),
        updatedAt: Date.now(),
      };
      await store.addAnnotation(a);
    }
    for (let i = 0; i < 5; i++) {
      const b: BranchInfo = {
        branchId: `b${i}`.padEnd(22, 'x'),
        battleId: BATTLE,
        parentBranchId: 'h'.repeat(22),
        decisions: [
          { decisionId: 'minefield', optionId: 'hold' },
          { decisionId: 'fleet-split', optionId: `option-${i}` },
        ],
        fork: { decisionId: 'fleet-split', atMs: 180_000 + i, seq: 9000 + i },
        durationMs: 470_000,
        outcome: {
          winner: 'federation',
          summary: 'The allied fleet breaks through before the minefield falls; the station holds.',
          losses: { federation: { ships: 31, stations: 0 }, dominion: { ships: 57, stations: 0 } },
          facts: [
            'The minefield held until the end',
            'Defiant reached the station',
            'Klingon reinforcements arrived at 6:10',
            'The Dominion withdrew',
          ],
          objectives: {
            hold: { label: 'Hold the station', status: 'complete' },
            mines: { label: 'Keep the minefield', status: 'complete' },
            escape: { label: 'Break out', status: 'failed' },
          },
        },
        createdBy: 'Cadet 3',
        createdAt: Date.now(),
      };
      await store.addBranch(roomId, b);
    }
    const sizes = await Promise.all(
      store.roomKeys(roomId).map(async (k) => [k.split(':').slice(3).join(':') || 'meta', (await client.memoryUsage(k)) ?? 0] as const),
    );
    await client.close();
    const total = sizes.reduce((s, [, n]) => s + n, 0);
    return [
      {
        bench: 'Redis memory per room (50 annotations, 5 branches, 20 members)',
        battle: '-',
        value: total / 1024,
        unit: 'KiB',
        note: sizes
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${(n / 1024).toFixed(1)}`)
          .join(', '),
      },
    ];
  } finally {
    await redis.close();
  }
}
