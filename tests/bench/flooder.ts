import { io } from 'socket.io-client';

// A hostile client for tests/bench/flood.ts, in its own process: sends `clock:ping` (with an ack, as a client
// library would) as fast as it can until the server cuts it off or FLOOD_FOR_MS passes; prints one JSON line.

const url = process.argv[2];
const forMs = Number(process.env.FLOOD_FOR_MS ?? 10_000);
// FLOOD_MODE=hog: the control. Burn one core for as long, sending nothing, to tell the machine's own noise (a
// loaded 2-core box) from what the flood costs the server.
if (process.env.FLOOD_MODE === 'hog') {
  console.log('flooding');
  const t0 = performance.now();
  while (performance.now() - t0 < forMs) {}
  console.log(JSON.stringify({ sent: 0, acked: 0, refused: 0, ms: Math.round(performance.now() - t0), reason: 'cpu hog, no traffic' }));
  process.exit(0);
}
const sock = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
let sent = 0;
let acked = 0;
let refused = 0;
sock.on('connect', () => {
  console.log('flooding');
  const t0 = performance.now();
  let reason = 'time';
  sock.on('disconnect', (why) => (reason = why));
  const burst = () => {
    if (!sock.connected || performance.now() - t0 > forMs) {
      console.log(JSON.stringify({ sent, acked, refused, ms: Math.round(performance.now() - t0), reason }));
      sock.disconnect();
      process.exit(0);
    }
    // Yield to the event loop only now and then: the socket's write buffer, not our loop, is the bottleneck.
    for (let i = 0; i < 200; i++) {
      sent++;
      sock.emit('clock:ping', { clientTime: i }, (r: { ok: boolean }) => (r.ok ? acked++ : refused++));
    }
    setImmediate(burst);
  };
  burst();
});
