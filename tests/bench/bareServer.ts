import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

// The cluster bench's control (tests/bench/cluster.ts): bare socket.io, no Wardroom code, one child process per
// server. A "seek" is the same clock object (the same bytes) sent to every socket of a room:
// - no REDIS_URL: one process, `io.to(room).emit` (the single-process floor);
// - mode 'adapter' (per seek): the Redis adapter's own broadcast (local send, then one PUBLISH the others emit from);
// - mode 'cas': what Wardroom does, bare: one EVAL that writes the clock and PUBLISHes it in one step, the
//   local send when its reply comes, the other processes' send from the published message.
// With BARE_KEYFRAME_FILE (a real keyframe message's JSON, written by the bench) and `keyframe` on a seek, each
// process then sends that keyframe to the same sockets, as Wardroom does right after a seek's clock: the same
// bytes to encode, write and parse, so the control carries the same keyframe traffic on the same two cores.
// Messages to this process are an IPC `{ port }` once listening.

const url = process.env.REDIS_URL;
const prefix = process.env.BARE_PREFIX ?? 'bare:';
const channel = `${prefix}clock`;
const SCRIPT = `redis.call('HSET', KEYS[1], 'json', ARGV[1]) redis.call('PUBLISH', ARGV[2], ARGV[3]) return 1`;

const keyframeFile = process.env.BARE_KEYFRAME_FILE;
const keyframe: unknown = keyframeFile ? JSON.parse(readFileSync(keyframeFile, 'utf8')) : null;

type Clock = Record<string, unknown>;
interface Seek {
  roomId: string;
  clock: Clock;
  mode?: 'adapter' | 'cas';
  keyframe?: boolean;
}

/** The seek to this process's sockets in the room: the clock, then (asked for) the keyframe. */
function sendLocal(m: Seek): void {
  io.local.to(m.roomId).emit('playback:clock', m.clock);
  if (m.keyframe && keyframe) io.local.to(m.roomId).emit('timeline:keyframe', keyframe);
}

const http = createServer();
const io = new Server(http, { transports: ['websocket'] });
const origin = String(process.pid);
let pub: ReturnType<typeof createClient> | null = null;
if (url) {
  pub = createClient({ url });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: `${prefix}socket.io` }));
  await sub.subscribe(channel, (raw) => {
    const m = JSON.parse(raw) as Seek & { from: string };
    if (m.from !== origin) sendLocal(m);
  });
}

io.on('connection', (socket) => {
  socket.on('bare:join', (roomId: string, ack: () => void) => {
    void socket.join(roomId);
    ack();
  });
  socket.on('bare:seek', async (m: Seek, ack: () => void) => {
    if (pub && m.mode !== 'adapter') {
      await pub.eval(SCRIPT, {
        keys: [`${prefix}room:${m.roomId}:ph`],
        arguments: [
          JSON.stringify(m.clock),
          channel,
          JSON.stringify({ from: origin, roomId: m.roomId, clock: m.clock, keyframe: m.keyframe }),
        ],
      });
      sendLocal(m);
    } else if (pub) io.to(m.roomId).emit('playback:clock', m.clock);
    else sendLocal(m);
    ack();
  });
});

http.listen(0, '127.0.0.1', () => {
  const a = http.address();
  process.send?.({ port: typeof a === 'object' && a ? a.port : 0, pid: process.pid });
});
process.on('disconnect', () => process.exit(0));
