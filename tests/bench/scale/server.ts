import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapSpaceStatistics, setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { compileBattle, getBattle } from '../../../replays/index.js';
import { eventIndexAfter, stateAt } from '../../../shared/battle/seek.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import { initialClock, play, positionAt, seek, setRate, type PlaybackClock } from '../../../shared/clock/playback.js';
import type { KeyframeMsg, TimelineEventsMsg } from '../../../shared/protocol/events.js';
import { createApp } from '../../../server/app.js';

// One benchmark server in its own process (so its RSS is its own), driven over IPC by tests/bench/scale.ts:
//   argv[2] = 'wardroom': the real app (memory store, engine on its worker thread);
//   argv[2] = 'floor': a bare socket.io server that sends what Wardroom's socket delivery sends (clock, keyframe at
//   the play head to the room on every seek, one event batch per room per 100 ms tick) and nothing else: no store,
//   no roles, no validation. It is the floor of the old design: the cost of the bytes themselves.
// IPC: -> {type:'ready', port}; <- {type:'rss'} -> {type:'rss', rss} (after a full GC when --expose-gc).

const kind = process.argv[2];
const gc = (globalThis as { gc?: () => void }).gc;
const send = (m: object) => process.send?.(m);

process.on('message', (m: { type: string; file?: string }) => {
  if (m.type === 'rss') {
    if (process.env.SCALE_COMPACT === '1') setFlagsFromString('--compact-on-every-full-gc');
    gc?.();
    gc?.();
    const u = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.physical_space_size]));
    send({
      type: 'rss',
      rss: u.rss,
      maps: mappings(),
      heapTotal: u.heapTotal,
      heapUsed: u.heapUsed,
      external: u.external,
      arrayBuffers: u.arrayBuffers,
      spaces,
    });
  }
  // Investigation (what a socket costs): a heap snapshot to diff before/after the joins.
  if (m.type === 'snapshot' && m.file) {
    gc?.();
    send({ type: 'snapshot', file: writeHeapSnapshot(m.file) });
  }
});

/**
 * Resident bytes by kind of mapping, from /proc/self/smaps: `brk` the brk heap (glibc's main malloc arena),
 * `arena` anonymous mappings of 64 MiB or less that are 64 MiB aligned in size (glibc's per-thread arenas reserve
 * 64 MiB each), `anon` other anonymous mappings (V8's pages, thread stacks, mmapped large blocks), `file` mapped files.
 */
function mappings(): Record<string, number> {
  const out: Record<string, number> = { brk: 0, arena: 0, anon: 0, file: 0 };
  try {
    let kind = 'file';
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const size = Number.parseInt(head[2], 16) - Number.parseInt(head[1], 16);
        const path = head[3];
        kind = path === '[heap]' ? 'brk' : path === '' ? (size === 64 * 2 ** 20 ? 'arena' : 'anon') : 'file';
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss) out[kind] += Number(rss[1]) * 1024;
    }
  } catch {
    // not Linux: zeros
  }
  return out;
}

if (kind === 'wardroom') {
  // Thousands of viewers come from one address: lift the per-address and per-room abuse limits (docs/protocol.md "Limits").
  const app = createApp({
    logger: pino({ level: 'silent' }),
    clientDist: null,
    ...(process.env.SCALE_FAIR_READS === '0' ? { fairReads: false } : {}),
    rateLimit: { points: 1e6, durationS: 1 },
    limits: { connectionsPerMin: 1e6, joinsPerMin: 1e6, roomMembers: 1e6, roomsPerMin: 1e6 },
  });
  const port = await app.listen(0, '127.0.0.1');
  send({ type: 'ready', port });
} else {
  const port = await floor();
  send({ type: 'ready', port });
}

async function floor(): Promise<number> {
  const timelines = new Map<string, Timeline>();
  const rooms = new Map<string, { tl: Timeline; clock: PlaybackClock; nextSeq: number }>();
  const http = createServer((req, res) => {
    // POST /api/rooms {battleId}: compile once per battle, answer like Wardroom's route (only the fields used).
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { battleId } = JSON.parse(body || '{}') as { battleId: string };
      let tl = timelines.get(battleId);
      if (!tl) timelines.set(battleId, (tl = compileBattle(getBattle(battleId)!).timeline));
      const roomId = randomBytes(6).toString('base64url');
      rooms.set(roomId, { tl, clock: initialClock(tl.durationMs, Date.now()), nextSeq: 0 });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ roomId, instructorKey: 'k' }));
    });
  });
  const io = new Server(http, { pingInterval: 10_000, pingTimeout: 8_000, maxHttpBufferSize: 1e6 });
  const keyframe = (r: { tl: Timeline; clock: PlaybackClock }): KeyframeMsg => {
    const positionMs = positionAt(r.clock, Date.now());
    return { branchId: r.tl.branchId, positionMs, state: stateAt(r.tl.events, r.tl.keyframes, positionMs) };
  };
  const change = (roomId: string, clock: PlaybackClock) => {
    const r = rooms.get(roomId)!;
    r.clock = clock;
    const kf = keyframe(r);
    r.nextSeq = kf.state.nextSeq;
    io.to(roomId).emit('playback:clock', clock);
    io.to(roomId).emit('timeline:keyframe', kf);
    return { ok: true, clock };
  };
  io.on('connection', (socket) => {
    let roomId = '';
    socket.on('room:join', (p: { roomId: string }, ack: (r: object) => void) => {
      roomId = p.roomId;
      const r = rooms.get(roomId)!;
      void socket.join(roomId);
      ack({ ok: true, room: { roomId, clock: r.clock } });
      socket.emit('playback:clock', r.clock);
      socket.emit('timeline:keyframe', keyframe(r));
    });
    socket.on('playback:seek', (p: { positionMs: number }, ack: (r: object) => void) =>
      ack(change(roomId, seek(rooms.get(roomId)!.clock, Date.now(), p.positionMs))),
    );
    socket.on('playback:play', (_p: object, ack: (r: object) => void) => ack(change(roomId, play(rooms.get(roomId)!.clock, Date.now()))));
    socket.on('playback:rate', (p: { rate: number }, ack: (r: object) => void) =>
      ack(change(roomId, setRate(rooms.get(roomId)!.clock, Date.now(), p.rate))),
    );
    socket.on('clock:ping', (p: { clientTime: number }, ack: (r: object) => void) =>
      ack({ ok: true, clientTime: p.clientTime, serverTime: Date.now() }),
    );
  });
  setInterval(() => {
    const now = Date.now();
    for (const [roomId, r] of rooms) {
      if (!io.of('/').adapter.rooms.get(roomId)?.size) continue;
      const until = Math.min(r.tl.durationMs, positionAt(r.clock, now) + 2000 * (r.clock.state === 'playing' ? r.clock.rate : 1));
      const end = eventIndexAfter(r.tl.events, until);
      if (end <= r.nextSeq) continue;
      const untilMs = end >= r.tl.events.length ? r.tl.durationMs : r.tl.events[end].t;
      const msg: TimelineEventsMsg = {
        branchId: r.tl.branchId,
        fromSeq: r.nextSeq,
        toSeq: end,
        untilMs,
        events: r.tl.events.slice(r.nextSeq, end),
      };
      r.nextSeq = end;
      io.to(roomId).emit('timeline:events', msg);
    }
  }, 100);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return (http.address() as AddressInfo).port;
}
