import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_STATUS } from '../../server/errors.js';
import type { ErrorCode, RoomState } from '../../shared/protocol/events.js';
import { type ClientEventName, clientEventSchemas } from '../../shared/protocol/schemas.js';
import { type Booted, boot, waitFor } from '../server/helpers.js';
import { hostileArgs } from './hostile.js';

// Property-based fuzzing of every client-to-server event (issue #13 item 5), data-driven from the one
// registry `clientEventSchemas`: an event is fuzzed as soon as it is registered. Per event, a joined
// instructor (the role that reaches the most code) in its own room sends >= 1,000 hostile argument lists;
// each must be answered with the error shape (or, without a usable ack, ignored), the room must be
// unchanged by every refusal, the server must stay up and log no handler failure. (socket.io encodes arguments as
// JSON, so NaN and ±Infinity reach the server as null; Buffers travel as binary attachments.)

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const CODES = new Set(Object.keys(HTTP_STATUS) as ErrorCode[]);
const ACK_TIMEOUT_MS = 5000;
const DROPPED = Symbol('dropped');
let s: Booted;
let logged = '';
const sockets: Socket[] = [];
/** Per event, how many messages the server has read (any socket): what it must finish. */
const read = new Map<string, number>();

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      logged += chunk.toString();
      cb();
    },
  });
  s = await boot({
    logger: pino({ level: 'warn' }, sink),
    limits: { socketEventsPerS: 1_000_000, joinsPerMin: 1_000_000, connectionsPerMin: 1_000_000, roomsPerMin: 1000 },
  });
  // onAny runs for each event packet the server decodes, before the handlers: a message counted here reached it.
  s.app.io.on('connection', (sock) => sock.onAny((event: string) => read.set(event, (read.get(event) ?? 0) + 1)));
});
afterAll(async () => {
  for (const x of sockets) x.disconnect();
  await s.close();
});

function isErrorShape(res: unknown): boolean {
  if (!res || typeof res !== 'object') return false;
  const r = res as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  return r.ok === false && typeof r.error?.message === 'string' && CODES.has(r.error.code as ErrorCode) && Object.keys(res).length === 2;
}

/** One instructor socket in a fresh room, re-joined on every reconnect. */
async function fuzzer(event: string) {
  const { roomId, instructorKey } = await s.createRoom();
  const sock = connect(s.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 20 });
  sockets.push(sock);
  const join = () =>
    new Promise<{ ok: boolean }>((r) => sock.emit('room:join', { roomId, name: 'Fuzz', instructorKey, clientId: `fuzz-${event}` }, r));
  let joined = join();
  sock.on('connect', () => void (joined = join()));
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let sent = 0;
  let dropped = false;
  sock.on('disconnect', () => (dropped = true));

  /** How many `event` commands the server has finished (every bound message ends in this counter). */
  const finished = async () =>
    (await s.app.metrics.commands.get()).values.filter((v) => v.labels.event === event).reduce((n, v) => n + v.value, 0);

  return {
    sock,
    ready: () => joined,
    /** Room state without what time alone changes (members' connected flags). */
    async snapshot(): Promise<string> {
      const st: RoomState = await s.app.rooms.state(roomId);
      return JSON.stringify({ ...st, members: st.members.map((m) => ({ ...m, connected: undefined })) });
    },
    /** Until every message sent so far has finished (an unacked command must not change the next run's room). */
    async settle(): Promise<void> {
      if (dropped) {
        // Messages lost with a dropped connection (too large for maxHttpBufferSize) never finish.
        if (!sock.connected) await new Promise<void>((r) => sock.once('connect', () => r()));
        await joined;
        sent = await finished();
        dropped = false;
        return;
      }
      if ((await finished()) >= sent) return;
      // A ping acked means the server has read everything sent before it (one connection keeps its order). Each
      // message it read must finish; one it never read is lost (socket.io-client could not encode it, e.g. a
      // `__proto__` key holding a Date in a binary packet), and no longer counted.
      await new Promise((r) => sock.emit('clock:ping', { clientTime: 0 }, r));
      const got = read.get(event) ?? 0;
      await waitFor(async () => (await finished()) >= got, {
        what: `the server to finish the ${got} ${event} messages it read`,
        timeoutMs: 5000,
      });
      sent = await finished();
    },
    send(args: unknown[], withAck: boolean): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const t = withAck
          ? setTimeout(() => reject(new Error(`no ack for ${event} within ${ACK_TIMEOUT_MS} ms`)), ACK_TIMEOUT_MS)
          : undefined;
        const gone = () => {
          clearTimeout(t);
          resolve(DROPPED);
        };
        const ack = (res: unknown) => {
          clearTimeout(t);
          sock.off('disconnect', gone);
          resolve(res);
        };
        try {
          // socket.io-client cannot encode some values (a `__proto__` key holding a Date in a binary packet):
          // such a message never leaves the client, so it is not counted as sent.
          sock.emit(event, ...args, ...(withAck ? [ack] : []));
        } catch {
          clearTimeout(t);
          return resolve(DROPPED);
        }
        sent++;
        if (!withAck) return resolve(undefined);
        sock.once('disconnect', gone);
      });
    },
    ping: () => new Promise<unknown>((r) => sock.emit('clock:ping', { clientTime: 1 }, r)),
  };
}

const events = Object.keys(clientEventSchemas) as ClientEventName[];

describe('fuzzed socket events', () => {
  it.concurrent.each(events)(
    '%s: every hostile payload gets the error shape or is ignored; refusals leave the room unchanged',
    async (event) => {
      const f = await fuzzer(event);
      expect((await f.ready()).ok).toBe(true);
      const stats = { refused: 0, accepted: 0, unacked: 0 };
      let state = await f.snapshot();
      let settled = true;
      await fc.assert(
        fc.asyncProperty(hostileArgs(clientEventSchemas[event]), async ({ args, ack }) => {
          if (!settled) {
            await f.settle();
            state = await f.snapshot();
            settled = true;
          }
          const res = await f.send(args, ack === 'function');
          if (ack !== 'function' || res === DROPPED) {
            stats.unacked++;
            settled = false;
            return;
          }
          if (isErrorShape(res)) {
            stats.refused++;
            expect((res as { error: { code: string } }).error.code).not.toBe('INTERNAL');
            expect(await f.snapshot()).toBe(state);
          } else {
            expect(res).toMatchObject({ ok: true }); // a payload that happened to be valid
            stats.accepted++;
            state = await f.snapshot();
          }
        }),
        { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 0x5eed) + events.indexOf(event) },
      );
      await f.settle();
      expect(await f.ping()).toMatchObject({ ok: true, clientTime: 1 }); // still up and answering
      expect(stats.refused + stats.accepted + stats.unacked).toBe(RUNS);
      expect(stats.refused).toBeGreaterThan(RUNS * 0.3); // mostly hostile, not mostly valid by accident
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
    120_000,
  );

  it('unregistered event names are ignored (no listener, no reply), the socket keeps working', async () => {
    const f = await fuzzer('room:join');
    expect((await f.ready()).ok).toBe(true);
    const { sock } = f;
    const names = fc.sample(
      fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('__proto__', 'constructor', 'connect', 'disconnect', 'error', 'newListener')),
      {
        numRuns: RUNS,
        seed: 7,
      },
    );
    const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
    let replies = 0;
    for (const name of names) {
      if (reserved.has(name) || name in clientEventSchemas) continue; // the client library refuses reserved names
      sock.emit(name, { x: 1 }, () => replies++);
    }
    expect(await f.ping()).toMatchObject({ ok: true });
    expect(replies).toBe(0);
  });

  it('a message past maxHttpBufferSize drops only that connection; the client reconnects and the server stays up', async () => {
    const big = connect(s.url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50 });
    sockets.push(big);
    await new Promise<void>((r) => big.once('connect', () => r()));
    const dropped = new Promise<string>((r) => big.once('disconnect', (why) => r(why)));
    big.emit('annotation:add', { id: 'x'.repeat(8), positionMs: 0, text: 'x'.repeat(1_100_000) }, () => {});
    expect(await dropped).toBe('transport close');
    await new Promise<void>((r) => big.once('connect', () => r()));
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  });

  it('logged no handler failure and no process-level error', () => {
    expect(logged).not.toMatch(/socket handler failed|unhandled|uncaught/);
  });
});
