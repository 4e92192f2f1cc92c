import { LightSocket } from './lightSocket.js';
import { sleep } from '../time.js';

// The light viewers of tests/bench/scale.ts, in their own process. Driven over IPC:
//   <- {type:'join', url, rooms, perRoom, delivery}    -> {type:'joined', joinMs}
//   <- {type:'seek', seconds}                            -> {type:'seeked', ...figures}
// Every instructor (one extra socket per room, not counted as a viewer) seeks once a second, rooms staggered
// over the second. A viewer's delay for a seek is its receipt time minus the clock's serverTime (same machine,
// same wall clock); with socket delivery the world is ready when the keyframe after that clock arrives.

interface RoomRef {
  roomId: string;
  instructorKey: string;
}
type Delivery = 'segments' | 'socket';
type Join = { type: 'join'; url: string; rooms: RoomRef[]; perRoom: number; delivery: Delivery };
type Seek = { type: 'seek'; seconds: number };

interface Viewer {
  socket: LightSocket;
  room: number;
  /** clock version -> serverTime of the seek clocks this viewer got, and receipt times. */
  clocks: Map<number, { serverTime: number; at: number; keyframeAt?: number }>;
  lastSeekVersion: number;
  keyframes: number;
}

const send = (m: object) => process.send?.(m);
const PARSE = new Set(['playback:clock']);
let viewers: Viewer[] = [];
let instructors: LightSocket[] = [];

function viewerOf(room: number): Promise<Viewer> {
  const v: Viewer = { socket: null as unknown as LightSocket, room, clocks: new Map(), lastSeekVersion: 0, keyframes: 0 };
  return LightSocket.connect(current!.url, {
    parse: PARSE,
    onEvent(name, args, at) {
      if (name === 'playback:clock') {
        const c = args![0] as { version: number; serverTime: number; reason?: string };
        if (c.reason === 'seek' && !v.clocks.has(c.version)) {
          v.clocks.set(c.version, { serverTime: c.serverTime, at });
          v.lastSeekVersion = c.version;
        }
      } else if (name === 'timeline:keyframe') {
        v.keyframes++;
        const last = v.clocks.get(v.lastSeekVersion);
        if (last && last.keyframeAt === undefined) last.keyframeAt = at;
      }
    },
  }).then((socket) => {
    v.socket = socket;
    return v;
  });
}

let current: Join | null = null;

async function join(m: Join): Promise<void> {
  current = m;
  const t0 = Date.now();
  instructors = await Promise.all(m.rooms.map(() => LightSocket.connect(m.url)));
  await Promise.all(
    instructors.map((s, i) =>
      s.call('room:join', { roomId: m.rooms[i].roomId, name: 'inst', instructorKey: m.rooms[i].instructorKey, delivery: 'segments' }),
    ),
  );
  const tJoin = Date.now();
  // Everyone at once, as a class does: connect + join (+ the join keyframe with socket delivery).
  const all = Array.from({ length: m.rooms.length * m.perRoom }, (_, k) => k % m.rooms.length);
  const WAVE = 500; // sockets opening at once (the OS backlog, not the server, limits more)
  viewers = [];
  for (let i = 0; i < all.length; i += WAVE) {
    const wave = await Promise.all(all.slice(i, i + WAVE).map((room) => viewerOf(room)));
    viewers.push(...wave);
    void Promise.all(wave.map((v) => v.socket.call('room:join', { roomId: m.rooms[v.room].roomId, name: 'v', delivery: m.delivery })));
  }
  // Joined = acked and, with socket delivery, holding the join keyframe.
  const ready = (v: Viewer) => m.delivery === 'segments' || v.keyframes > 0;
  while (!viewers.every(ready)) await sleep(5);
  // A final round trip per viewer proves every join ack is in (acks are in order on one socket).
  await Promise.all(viewers.map((v) => v.socket.call('clock:ping', { clientTime: 0 })));
  const joinMs = Date.now() - tJoin;
  await Promise.all(instructors.map((s) => s.call('playback:play', {})));
  await sleep(500); // the coalesced presence after the joins is not a seek's bytes
  send({ type: 'joined', joinMs, setupMs: tJoin - t0 });
}

async function seekFor(seconds: number): Promise<void> {
  for (const v of viewers) v.clocks.clear();
  const bytes0 = viewers.reduce((s, v) => s + v.socket.bytes, 0);
  const R = instructors.length;
  const seeks: number[] = [];
  const start = Date.now();
  const timers: Promise<void>[] = instructors.map(async (inst, i) => {
    await sleep((i / R) * 1000);
    for (let k = 0; k < seconds; k++) {
      const target = start + i * (1000 / R) + k * 1000;
      await sleep(Math.max(0, target - Date.now()));
      // Spread over the battle so keyframes are not all the same cached state.
      const res = await inst.call<{ ok: boolean; clock?: { version: number } }>('playback:seek', {
        positionMs: ((k * 7919 + i * 104729) % 400) * 1000,
      });
      if (res.ok) seeks.push(i);
    }
  });
  await Promise.all(timers);
  await sleep(1000); // the last seeks' deliveries
  const bytes = viewers.reduce((s, v) => s + v.socket.bytes, 0) - bytes0;
  const clockDelays: number[] = [];
  const worldDelays: number[] = [];
  let missing = 0;
  for (const v of viewers) {
    for (const c of v.clocks.values()) {
      clockDelays.push(c.at - c.serverTime);
      if (current!.delivery === 'socket') {
        if (c.keyframeAt === undefined) missing++;
        else worldDelays.push(c.keyframeAt - c.serverTime);
      }
    }
  }
  const seeksPerRoom = seeks.length / Math.max(1, R);
  const expected = viewers.length * seeksPerRoom;
  send({
    type: 'seeked',
    seeks: seeks.length,
    clockDelays,
    worldDelays,
    missingKeyframes: missing,
    missingClocks: expected - clockDelays.length,
    bytesPerViewerPerSeek: bytes / Math.max(1, viewers.length) / Math.max(1, seeksPerRoom),
  });
}

process.on('message', (m: Join | Seek | { type: 'reset' | 'exit' }) => {
  if (m.type === 'join') void join(m);
  else if (m.type === 'seek') void seekFor(m.seconds);
  else {
    for (const v of viewers) v.socket.close();
    for (const s of instructors) s.close();
    viewers = [];
    instructors = [];
    if (m.type === 'exit') process.exit(0);
    send({ type: 'reset' });
  }
});
send({ type: 'up' });
