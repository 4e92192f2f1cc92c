import type { BranchManifest } from '../../shared/battle/segments.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { RoomState } from '../../shared/protocol/events.js';
import { LightSocket } from './scale/lightSocket.js';

// The viewers of the fork-load benchmark (forkload.ts), in their own process: light raw-websocket clients
// (scale/lightSocket.ts) that join their room with the run's delivery and stay joined, so the server does its
// real per-room work for each of them (socket delivery: the join keyframe, the keyframes after every branch switch
// and the event batches as the room plays; segments delivery: clocks, and the room's manifest and the segment at
// the play head fetched over HTTP, as the browser app does). Nothing received is decoded (a frame is counted), so
// a hundred viewers do not take the core the server needs; full RoomClients folded every 20,000-unit world here.
//   <- {type:'join', url, battleId, rooms, perRoom, delivery}  -> {type:'joined'}
//   <- {type:'report'}  -> {type:'report', ...counts}
//   <- {type:'exit'}

type Delivery = 'segments' | 'socket';
type Join = { type: 'join'; url: string; battleId: string; rooms: string[]; perRoom: number; delivery: Delivery };

interface Counts {
  frames: number;
  bytes: number;
  keyframes: number;
  eventBatches: number;
  clocks: number;
  manifests: number;
  segments: number;
  httpBytes: number;
  httpErrors: number;
}
const counts: Counts = {
  frames: 0,
  bytes: 0,
  keyframes: 0,
  eventBatches: 0,
  clocks: 0,
  manifests: 0,
  segments: 0,
  httpBytes: 0,
  httpErrors: 0,
};
const sockets: LightSocket[] = [];
const timers: NodeJS.Timeout[] = [];
const send = (m: object) => process.send?.(m);

/** What a segments viewer follows: the room's branch, its clock, the manifest, the segments it fetched. */
interface Follow {
  branchId: string;
  clock: PlaybackClock | null;
  manifest: BranchManifest | null;
  manifestAt: number;
  fetched: Set<number>;
  busy: boolean;
}

async function get(url: string): Promise<Response | null> {
  try {
    const res = await fetch(url);
    if (!res.ok) counts.httpErrors++;
    counts.httpBytes += (await res.arrayBuffer()).byteLength;
    return res.ok ? res : null;
  } catch {
    counts.httpErrors++;
    return null;
  }
}

/** One segments viewer's second: the manifest when the branch changed (or it is still compiling), then the segment at the play head. */
async function followSegments(m: Join, roomId: string, f: Follow): Promise<void> {
  if (f.busy || !f.clock) return;
  f.busy = true;
  try {
    const c = f.clock;
    const pos = c.state === 'playing' ? c.positionMs + (Date.now() - c.serverTime) * c.rate : c.positionMs;
    const branch = `${m.url}/api/battles/${m.battleId}/branches/${f.branchId}`;
    const stale = !f.manifest || f.manifest.branchId !== f.branchId || (!f.manifest.complete && Date.now() - f.manifestAt > 2000);
    if (stale) {
      const res = await fetch(`${branch}/manifest?room=${roomId}`).catch(() => null);
      counts.manifests++;
      if (!res?.ok) counts.httpErrors++;
      const body = res?.ok ? ((await res.json()) as BranchManifest) : null;
      if (body && body.branchId === f.branchId) {
        if (f.manifest?.branchId !== body.branchId) f.fetched.clear();
        f.manifest = body;
        f.manifestAt = Date.now();
      }
    }
    const seg = f.manifest?.branchId === f.branchId ? f.manifest.segments.find((s) => s.startMs <= pos && pos < s.endMs) : undefined;
    if (seg && !f.fetched.has(seg.index)) {
      f.fetched.add(seg.index);
      counts.segments++;
      await get(`${branch}/segments/${seg.index}?room=${roomId}&h=${seg.hash}`);
    }
  } finally {
    f.busy = false;
  }
}

async function viewer(m: Join, roomId: string, v: number): Promise<void> {
  const f: Follow = { branchId: '', clock: null, manifest: null, manifestAt: 0, fetched: new Set(), busy: false };
  const parse = new Set(m.delivery === 'segments' ? ['playback:clock'] : []);
  const s = await LightSocket.connect(m.url, {
    parse,
    onEvent(name, args) {
      counts.frames++;
      if (name === 'timeline:keyframe') counts.keyframes++;
      else if (name === 'timeline:events') counts.eventBatches++;
      else if (name === 'playback:clock') {
        counts.clocks++;
        if (!args) return;
        const clock = args[0] as PlaybackClock;
        if (f.clock && clock.version <= f.clock.version) return;
        f.clock = clock;
        // A clock-only socket learns of a branch switch from its clock: ask the room which branch it is on.
        if (clock.reason === 'branch')
          void fetch(`${m.url}/api/rooms/${roomId}`)
            .then((r) => r.json() as Promise<RoomState>)
            .then((r) => (f.branchId = r.branchId))
            .catch(() => counts.httpErrors++);
      }
    },
  });
  sockets.push(s);
  const joined = await s.call<{ ok: boolean; room?: RoomState; error?: { message: string } }>('room:join', {
    roomId,
    name: `v${v}`,
    delivery: m.delivery,
  });
  if (!joined.ok || !joined.room) throw new Error(`viewer join: ${joined.error?.message}`);
  if (m.delivery === 'segments') {
    f.branchId = joined.room.branchId;
    f.clock ??= joined.room.clock;
    timers.push(setInterval(() => void followSegments(m, roomId, f), 1000));
  }
}

async function join(m: Join): Promise<void> {
  // A room's viewers join one after another (as the RoomClients did), the rooms side by side.
  await Promise.all(
    m.rooms.map(async (roomId) => {
      for (let v = 0; v < m.perRoom; v++) await viewer(m, roomId, v);
    }),
  );
  send({ type: 'joined' });
}

process.on('message', (m: Join | { type: 'report' | 'exit' }) => {
  if (m.type === 'join')
    void join(m).catch((err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
  else if (m.type === 'report') send({ type: 'report', ...counts, bytes: sockets.reduce((n, s) => n + s.bytes, 0) });
  else {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.close();
    process.exit(0);
  }
});
send({ type: 'up' });
