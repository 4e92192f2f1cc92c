import { io, type Socket } from 'socket.io-client';

// A hostile client for tests/bench/flood.ts, in its own process: sends `clock:ping` (with an ack, as a client
// library would) as fast as it can for FLOOD_FOR_MS, and comes back whenever it is cut off: after a server-side
// cut (which socket.io clients do not follow by themselves) it opens a new socket by hand, retrying every
// FLOOD_RETRY_MS while the server refuses it. Prints one JSON line at the end.

const url = process.argv[2];
const forMs = Number(process.env.FLOOD_FOR_MS ?? 10_000);
const retryMs = Number(process.env.FLOOD_RETRY_MS ?? 50);
// FLOOD_MODE=hog: the control. Burn one core for as long, sending nothing, to tell the machine's own noise (a
// loaded 2-core box) from what the flood costs the server.
if (process.env.FLOOD_MODE === 'hog') {
  console.log('flooding');
  const t0 = performance.now();
  while (performance.now() - t0 < forMs) {}
  console.log(JSON.stringify({ sent: 0, acked: 0, refused: 0, ms: Math.round(performance.now() - t0), reason: 'cpu hog, no traffic' }));
  process.exit(0);
}
let sent = 0;
let acked = 0;
let refused = 0;
let connects = 0;
let cuts = 0;
let refusedHandshakes = 0;
const reasons = new Set<string>();
let t0 = 0;
const over = () => t0 > 0 && performance.now() - t0 > forMs;

function finish(sock?: Socket): void {
  const ms = Math.round(performance.now() - t0);
  console.log(JSON.stringify({ sent, acked, refused, ms, connects, cuts, refusedHandshakes, reason: [...reasons].join(', ') || 'time' }));
  sock?.disconnect();
  process.exit(0);
}

function open(): void {
  const sock = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  sock.on('connect_error', () => {
    refusedHandshakes++;
    if (over()) finish(sock);
    else setTimeout(open, retryMs);
  });
  sock.on('disconnect', (why) => {
    cuts++;
    reasons.add(why);
    if (over()) finish(sock);
    else setTimeout(open, retryMs);
  });
  sock.on('connect', () => {
    connects++;
    if (!t0) {
      t0 = performance.now();
      console.log('flooding');
    }
    const burst = () => {
      if (!sock.connected) return; // the disconnect handler reconnects
      if (over()) return finish(sock);
      // Yield to the event loop only now and then: the socket's write buffer, not our loop, is the bottleneck.
      for (let i = 0; i < 200; i++) {
        sent++;
        sock.emit('clock:ping', { clientTime: i }, (r: { ok: boolean }) => (r.ok ? acked++ : refused++));
      }
      setImmediate(burst);
    };
    burst();
  });
}
open();
// A refused flooder may be waiting between retries when its time is up.
setInterval(() => {
  if (over()) finish();
}, 100);
