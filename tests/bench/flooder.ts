import { io, type Socket } from 'socket.io-client';

// A hostile client for tests/bench/flood.ts, in its own process, driven over IPC so that one process serves every
// flood window of a run (idle and flood windows alternate; starting a process per window would put its start-up
// CPU into the idle windows). On `{type:'start', forMs, mode}` it either floods or, as the control, burns one core:
// - flood: sends `clock:ping` (with an ack, as a client library would) as fast as it can for `forMs`, and comes
//   back whenever it is cut off: after a server-side cut (which socket.io clients do not follow by themselves) it
//   opens a new socket by hand, retrying every FLOOD_RETRY_MS while the server refuses it;
// - hog: burns one core for `forMs`, sending nothing (the machine's own noise, told apart from the flood's cost).
// It answers `{type:'flooding'}` once under way and `{type:'done', ...stats}` at the end of the window.

export type FlooderRequest = { type: 'start'; forMs: number; mode: 'flood' | 'hog' } | { type: 'exit' };
export interface FlooderStats {
  sent: number;
  acked: number;
  refused: number;
  ms: number;
  connects: number;
  cuts: number;
  refusedHandshakes: number;
  reason: string;
}
export type FlooderReply = { type: 'ready' } | { type: 'flooding' } | ({ type: 'done' } & FlooderStats);

const url = process.argv[2];
const retryMs = Number(process.env.FLOOD_RETRY_MS ?? 50);
const send = (m: FlooderReply) => process.send?.(m);

function hog(forMs: number): void {
  send({ type: 'flooding' });
  const t0 = performance.now();
  while (performance.now() - t0 < forMs) {}
  const ms = Math.round(performance.now() - t0);
  send({ type: 'done', sent: 0, acked: 0, refused: 0, ms, connects: 0, cuts: 0, refusedHandshakes: 0, reason: 'cpu hog, no traffic' });
}

function flood(forMs: number): void {
  const s = { sent: 0, acked: 0, refused: 0, connects: 0, cuts: 0, refusedHandshakes: 0 };
  const reasons = new Set<string>();
  const t0 = performance.now();
  let current: Socket | null = null;
  let finished = false;
  let underWay = false;
  // Under way at the first connect or the first refusal (a cool-down may refuse every socket of the window).
  const started = () => {
    if (underWay) return;
    underWay = true;
    send({ type: 'flooding' });
  };
  const over = () => performance.now() - t0 > forMs;
  const finish = () => {
    if (finished) return;
    finished = true;
    clearInterval(watchdog);
    current?.disconnect();
    current = null;
    send({ type: 'done', ...s, ms: Math.round(performance.now() - t0), reason: [...reasons].join(', ') || 'time' });
  };
  const retry = () => {
    if (over()) finish();
    else setTimeout(open, retryMs);
  };
  function open(): void {
    if (finished) return;
    const sock = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    current = sock;
    sock.on('connect_error', () => {
      s.refusedHandshakes++;
      started();
      retry();
    });
    sock.on('disconnect', (why) => {
      if (finished) return;
      s.cuts++;
      reasons.add(why);
      retry();
    });
    sock.on('connect', () => {
      s.connects++;
      started();
      const burst = () => {
        if (!sock.connected || finished) return; // the disconnect handler reconnects
        if (over()) return finish();
        // Yield to the event loop only now and then: the socket's write buffer, not our loop, is the bottleneck.
        for (let i = 0; i < 200; i++) {
          s.sent++;
          sock.emit('clock:ping', { clientTime: i }, (r: { ok: boolean }) => (r.ok ? s.acked++ : s.refused++));
        }
        setImmediate(burst);
      };
      burst();
    });
  }
  // A refused flooder may be waiting between retries when its time is up.
  const watchdog = setInterval(() => over() && finish(), 50);
  open();
}

process.on('message', (m: FlooderRequest) => {
  if (m.type === 'exit') process.exit(0);
  if (m.mode === 'hog') hog(m.forMs);
  else flood(m.forMs);
});
send({ type: 'ready' });
