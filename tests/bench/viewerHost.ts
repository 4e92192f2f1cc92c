import { createClient } from 'redis';
import { io } from 'socket.io-client';
import { RoomClient } from '../../client/lib/roomClient.js';
import { now } from './time.js';

// One "viewer host" of the multi-process benchmark (tests/bench/cluster.ts): a child process holding some of
// the viewers, so a viewer's receipt is not queued behind other viewers' keyframes in ONE shared client process
// (each browser has its own). Driven over IPC by viewerHosts.ts; times are this process's
// performance.timeOrigin + performance.now(), which the driver maps onto its own (measured offset).

export type HostRequest =
  /** `bare`: a plain socket.io client of tests/bench/bareServer.ts (the control), not a RoomClient. */
  | { type: 'join'; id: number; url: string; roomId: string; name: string; bare?: boolean }
  | { type: 'watch'; seekId: number; roomId: string; positionMs: number }
  | { type: 'unwatch'; seekId: number }
  | { type: 'time'; probe: number }
  /** Subscribe to a Redis channel and stamp every message (the bench's control: one bare Redis pub/sub hop). */
  | { type: 'listen'; url: string; channel: string }
  | { type: 'close' };

export type HostReply =
  | { type: 'joined'; id: number }
  | { type: 'armed'; seekId: number }
  | { type: 'got'; seekId: number; id: number; t: number }
  | { type: 'time'; probe: number; t: number }
  | { type: 'listening' }
  | { type: 'heard'; n: number; t: number }
  | { type: 'error'; message: string };

const send = (m: HostReply) => process.send?.(m);
/** What a watch needs of a viewer: its clock, and a callback on each clock change. */
interface Viewer {
  clock(): { positionMs: number } | null;
  subscribe(fn: (change: string) => void): () => void;
  ready: Promise<unknown>;
  close(): void;
}
const viewers = new Map<number, { roomId: string; client: Viewer }>();

/** A bare socket.io viewer of the control server: joins the room, keeps the last clock it was sent. */
function bareViewer(url: string, roomId: string): Viewer {
  const socket = io(url, { forceNew: true, transports: ['websocket'] });
  let last: { positionMs: number } | null = null;
  const fns = new Set<(change: string) => void>();
  socket.on('playback:clock', (c: { positionMs: number }) => {
    last = c;
    for (const f of fns) f('clock');
  });
  return {
    clock: () => last,
    subscribe: (f) => {
      fns.add(f);
      return () => void fns.delete(f);
    },
    ready: new Promise<void>((resolve) => socket.emit('bare:join', roomId, () => resolve())),
    close: () => void socket.close(),
  };
}
const watches = new Map<number, (() => void)[]>();

process.on('message', (m: HostRequest) => {
  switch (m.type) {
    case 'join': {
      const client: Viewer = m.bare
        ? bareViewer(m.url, m.roomId)
        : new RoomClient({
            url: m.url,
            roomId: m.roomId,
            name: m.name,
            pings: 4,
            settleMs: [],
            resyncMs: 0,
            socket: { forceNew: true, transports: ['websocket'] },
          });
      viewers.set(m.id, { roomId: m.roomId, client });
      client.ready.then(
        () => send({ type: 'joined', id: m.id }),
        (err: unknown) => send({ type: 'error', message: String(err) }),
      );
      return;
    }
    case 'watch': {
      const offs: (() => void)[] = [];
      for (const [id, v] of viewers) {
        if (v.roomId !== m.roomId) continue;
        let seen = false;
        // Stamp first, then report: the receipt time is taken in the clock callback itself.
        const off = v.client.subscribe((ch) => {
          if (seen || ch !== 'clock' || v.client.clock()?.positionMs !== m.positionMs) return;
          seen = true;
          send({ type: 'got', seekId: m.seekId, id, t: now() });
        });
        offs.push(off);
      }
      watches.set(m.seekId, offs);
      send({ type: 'armed', seekId: m.seekId });
      return;
    }
    case 'unwatch':
      for (const off of watches.get(m.seekId) ?? []) off();
      watches.delete(m.seekId);
      return;
    case 'time':
      send({ type: 'time', probe: m.probe, t: now() });
      return;
    case 'listen': {
      const sub = createClient({ url: m.url });
      sub.on('error', () => {});
      void sub
        .connect()
        .then(() => sub.subscribe(m.channel, (raw) => send({ type: 'heard', n: Number(raw), t: now() })))
        .then(() => send({ type: 'listening' }));
      return;
    }
    case 'close':
      for (const v of viewers.values()) v.client.close();
      process.exit(0);
  }
});
