import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FloodCooldown } from '../../server/limits/FloodCooldown.js';
import { SocketBudget } from '../../server/limits/SocketBudget.js';
import { type Booted, boot, quietPeriod, until } from './helpers.js';

// Shedding floods (issue #13 item 3): a socket that keeps sending past its budget is cut off, refusals are
// counted not logged, and another client keeps working. The latency figure is a benchmark (tests/bench/flood.ts).

let s: Booted | null = null;
let raw: Socket[] = [];
afterEach(async () => {
  for (const x of raw) x.disconnect();
  raw = [];
  await s?.close();
  s = null;
});

/** A raw socket.io client on the booted server, connected (tracked for teardown). */
async function rawSocket(): Promise<Socket> {
  const sock = connect(s!.url, { transports: ['websocket'], forceNew: true });
  raw.push(sock);
  await new Promise<void>((r) => sock.on('connect', () => r()));
  return sock;
}

describe('flood shedding', () => {
  it('disconnects a socket refused without a pause for FLOOD_DISCONNECT_MS; another client keeps working', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(...chunk.toString().trim().split('\n'));
        cb();
      },
    });
    s = await boot({ limits: { socketEventsPerS: 20, floodDisconnectMs: 600 }, logger: pino({ level: 'trace' }, sink) });
    const { roomId } = await s.createRoom();
    const calm = s.client({ roomId, name: 'Calm', pings: 1 });
    await calm.ready;
    const flooder = await rawSocket();
    let reason = '';
    flooder.on('disconnect', (why) => (reason = why));
    const started = Date.now();
    // As fast as the client can: batches of 50 per macrotask until the server cuts the socket off.
    let sent = 0;
    while (flooder.connected && Date.now() - started < 10_000) {
      for (let i = 0; i < 50; i++, sent++) flooder.emit('clock:ping', { clientTime: i }, () => {});
      await new Promise((r) => setImmediate(r));
    }
    await until(() => reason, 5000, 'flooder disconnected');
    // A server-side cut: socket.io's DISCONNECT, then the TCP drop 200 ms later. A client too busy sending to read the
    // packet in time sees the drop first ('transport close'); its reconnects then meet the address's cool-down.
    expect(['io server disconnect', 'transport close']).toContain(reason);
    await quietPeriod(300); // a server-side cut must stay cut: no reconnect in this window
    expect(flooder.connected).toBe(false);
    expect((await calm.call('clock:ping', { clientTime: 1 })).ok).toBe(true);
    expect((await calm.seek(1000)).ok === false).toBe(true); // a viewer: FORBIDDEN, but answered
    const metrics = await s.app.metrics.registry.metrics();
    expect(metrics).toMatch(/^wardroom_flood_disconnects_total 1$/m);
    const refused = Number(/^wardroom_socket_refused_total (\d+)$/m.exec(metrics)?.[1]);
    const answered = Number(/^wardroom_socket_commands_total\{event="clock:ping",result="ok"\} (\d+)$/m.exec(metrics)?.[1]);
    expect(refused).toBeGreaterThan(0);
    // Held reads: the server read only a fraction of what the flooder queued (the rest died in TCP buffers).
    expect(refused + answered).toBeLessThan(sent / 2);
    // Counted, not logged: even at trace level the refusals wrote nothing; the cut-off wrote one line.
    expect(lines.filter((l) => /RATE_LIMITED|too many requests|refus/i.test(l))).toEqual([]);
    expect(lines.filter((l) => l.includes('flooded past its budget'))).toHaveLength(1);
  });

  it('more than FLOOD_BURST refusals within one second are cut off at once', async () => {
    s = await boot({ limits: { socketEventsPerS: 20, floodDisconnectMs: 600_000, floodBurst: 50 } });
    const sock = await rawSocket();
    const reason = new Promise<string>((r) => sock.once('disconnect', (why) => r(why)));
    for (let i = 0; i < 200; i++) sock.emit('clock:ping', { clientTime: i }, () => {});
    expect(await reason).toBe('io server disconnect');
    expect(await s.app.metrics.registry.getSingleMetricAsString('wardroom_flood_disconnects_total')).toMatch(/ 1$/m);
  });

  it('a cut-off address is refused new sockets for FLOOD_COOLDOWN_MS, then welcome again', async () => {
    s = await boot({ limits: { socketEventsPerS: 20, floodDisconnectMs: 600_000, floodBurst: 50, floodCooldownMs: 1500 } });
    const { roomId } = await s.createRoom();
    const calm = s.client({ roomId, name: 'Calm', pings: 1 });
    await calm.ready;
    const sock = await rawSocket();
    const reason = new Promise<string>((r) => sock.once('disconnect', (why) => r(why)));
    for (let i = 0; i < 200; i++) sock.emit('clock:ping', { clientTime: i }, () => {});
    expect(await reason).toBe('io server disconnect');
    // The flooder comes back at once (by hand, as a hostile client would): refused before the handshake.
    const again = connect(s.url, { transports: ['websocket'], forceNew: true, reconnection: false });
    raw.push(again);
    await new Promise<void>((r) => again.once('connect_error', () => r()));
    expect(again.connected).toBe(false);
    expect(await s.app.metrics.registry.getSingleMetricAsString('wardroom_limits_hit_total')).toMatch(/limit="flood-cooldown"\} [1-9]/);
    // The socket already connected from that address is untouched.
    expect((await calm.call('clock:ping', { clientTime: 1 })).ok).toBe(true);
    // After the cool-down the address may connect again (reconnecting until it is let in).
    const later = connect(s.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 200 });
    raw.push(later);
    await until(() => later.connected, 10_000, 'a socket after the cool-down');
  });

  it('a burst that stops is refused but not cut off', async () => {
    s = await boot({ limits: { socketEventsPerS: 20, floodDisconnectMs: 600 } });
    const sock = await rawSocket();
    // Twice the budget: every command is answered (refusals are answered up to the budget per window).
    const acks = await Promise.all(
      Array.from({ length: 40 }, (_, i) => new Promise<{ ok: boolean }>((r) => sock.emit('clock:ping', { clientTime: i }, r))),
    );
    // 20 fit the window; the rest are refused, or (when they arrive after the held reads resume) fit the next one.
    const ok = acks.filter((a) => a.ok).length;
    expect(ok).toBeGreaterThanOrEqual(20);
    expect(ok).toBeLessThan(40);
    await quietPeriod(1200); // past the 1 s window: one burst must not turn into a flood cut-off later
    expect(sock.connected).toBe(true);
    expect(await new Promise<{ ok: boolean }>((r) => sock.emit('clock:ping', { clientTime: 1 }, r))).toMatchObject({ ok: true });
  });

  it('past twice the budget in one window, refusals are dropped unanswered (no write per flooded message)', async () => {
    s = await boot({ limits: { socketEventsPerS: 20, floodDisconnectMs: 600_000 } });
    const sock = await rawSocket();
    const answers = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          new Promise<string>((r) =>
            sock
              .timeout(3000)
              .emit('clock:ping', { clientTime: i }, (err: Error | null, res?: { ok: boolean }) =>
                r(err ? 'none' : res?.ok ? 'ok' : 'refused'),
              ),
          ),
      ),
    );
    const count = (k: string) => answers.filter((a) => a === k).length;
    // Each window answers at most 20 commands and 20 refusals; 200 sent in one go span at most a few windows.
    expect(count('none')).toBeGreaterThan(0);
    expect(count('refused')).toBeLessThanOrEqual(count('ok'));
    expect(count('refused')).toBeGreaterThan(0);
    expect(sock.connected).toBe(true);
  });

  it('SocketBudget: refused within the window, flood only after a sustained streak', () => {
    const b = new SocketBudget(2, 1000, 3000);
    expect([b.take(0), b.take(1), b.take(2)]).toEqual(['ok', 'ok', 'refused']);
    expect(b.take(1000)).toBe('ok'); // new window
    expect(b.take(1001)).toBe('ok');
    expect(b.take(1002)).toBe('refused'); // streak continues (last refusal < 1 window ago)
    expect([b.take(2000), b.take(2001), b.take(2002)]).toEqual(['ok', 'ok', 'refused']);
    expect([b.take(3000), b.take(3001)]).toEqual(['ok', 'ok']);
    expect(b.take(3002)).toBe('flood'); // refused in every window since t=2: 3000 ms
    const quiet = new SocketBudget(2, 1000, 3000);
    for (let i = 0; i < 3; i++) quiet.take(0); // refused at 0
    expect(quiet.take(2500)).toBe('ok'); // a whole window without refusal: the streak ends
    quiet.take(2500);
    expect(quiet.take(3500)).toBe('ok');
    quiet.take(3500);
    expect(quiet.take(3600)).toBe('refused'); // a new streak, not a flood
    const burst = new SocketBudget(2, 1000, 3000, 3);
    expect([0, 1, 2, 3, 4].map((t) => burst.take(t))).toEqual(['ok', 'ok', 'refused', 'refused', 'refused']);
    expect(burst.take(5)).toBe('flood'); // the 4th refusal within one window
    const held = new SocketBudget(2, 1000, 3000); // a flooder whose reads are held: one refusal per window
    for (const t of [0, 1100, 2200]) expect([held.take(t), held.take(t), held.take(t)]).toEqual(['ok', 'ok', 'refused']);
    expect([held.take(3300), held.take(3300), held.take(3300)]).toEqual(['ok', 'ok', 'flood']);
  });

  it('FloodCooldown: an address waits out its time; the map stays bounded; 0 turns it off', () => {
    const c = new FloodCooldown(1000, 2);
    c.add('a', 0);
    expect(c.waitMs('a', 400)).toBe(600);
    expect(c.waitMs('b', 400)).toBe(0);
    c.add('b', 10);
    c.add('c', 20); // full: the oldest entry ('a') makes room
    expect(c.waitMs('a', 30)).toBe(0);
    expect([c.waitMs('b', 30), c.waitMs('c', 30)]).toEqual([980, 990]);
    expect(c.waitMs('c', 1020)).toBe(0); // expired
    const off = new FloodCooldown(0);
    off.add('a', 0);
    expect(off.waitMs('a', 0)).toBe(0);
  });
});
