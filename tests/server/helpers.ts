import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { RoomClient, type RoomClientOptions } from '../../client/lib/roomClient.js';
import { createApp, type App, type AppOptions } from '../../server/app.js';
import { fixtureTimelines, FIXTURE_BATTLE } from './fixtures/timeline.js';

export interface Booted {
  app: App;
  port: number;
  url: string;
  clients: RoomClient[];
  client(o: Omit<RoomClientOptions, 'url'>): RoomClient;
  createRoom(body?: Record<string, unknown>): Promise<{ roomId: string; instructorKey: string }>;
  close(): Promise<void>;
}

export const silent = pino({ level: 'silent' });

/** A real server on an ephemeral port with the fixture battle (unless timelines are given). */
export async function boot(opts: AppOptions = {}): Promise<Booted> {
  const app = createApp({ timelines: fixtureTimelines(), logger: silent, clientDist: null, ...opts });
  const port = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const clients: RoomClient[] = [];
  return {
    app,
    port,
    url,
    clients,
    client(o) {
      const c = new RoomClient({ url, resyncMs: 0, socket: { forceNew: true, reconnectionDelay: 50, reconnectionDelayMax: 200 }, ...o });
      clients.push(c);
      return c;
    },
    async createRoom(body = { battleId: FIXTURE_BATTLE }) {
      const res = await fetch(`${url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== 201) throw new Error(`createRoom ${res.status}: ${await res.text()}`);
      return (await res.json()) as { roomId: string; instructorKey: string };
    },
    async close() {
      for (const c of clients) c.close();
      await app.close();
    },
  };
}

export const clientId = (): string => randomUUID();

/** Only for the helpers below (a poll's interval, a named fixed wait): tests wait on a condition or name their window. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until fn() is truthy (or throw after timeoutMs, naming `what`): waitFor with positional arguments. */
export function until<T>(fn: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  return waitFor(fn, { what, timeoutMs });
}

type Falsy = undefined | null | false;

/** Wait until predicate() (sync or async) is truthy; fails after timeoutMs with a message naming `what`. */
export async function waitFor<T>(predicate: () => T | Falsy | Promise<T | Falsy>, o: { what: string; timeoutMs?: number }): Promise<T> {
  const end = Date.now() + (o.timeoutMs ?? 5000);
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${o.timeoutMs ?? 5000} ms waiting for ${o.what}`);
    await sleep(10); // the poll's interval
  }
}

/**
 * A deliberate fixed wait: the test then checks that nothing (more) happened during it, or counts what a
 * fixed window produced. Not for waiting on a condition: use waitFor/once/advanced for that.
 */
export const quietPeriod = (ms: number): Promise<void> => sleep(ms);

/**
 * Until every message the server sent these clients before this call has arrived: each one's ping is acked on its
 * own connection after them (socket.io keeps one connection's packets in order). The barrier for "nothing more
 * arrived" checks on broadcasts the server emits in this process before it acks the command that caused them.
 */
export async function delivered(clients: RoomClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.call('clock:ping', { clientTime: 0 })));
}

/**
 * Until the server's playback loop has ticked `n` more times: the barrier for "the loop did not do X" checks (each
 * tick acts on every room it tracks). Follow it with delivered() to have what those ticks sent arrive.
 */
export async function ticked(app: App, n: number, timeoutMs = 5000): Promise<void> {
  const count = async () => (await app.metrics.ticks.get()).values[0]?.value ?? 0;
  const target = (await count()) + n;
  await waitFor(async () => (await count()) >= target, { what: `${n} more playback loop ticks`, timeoutMs });
}

/** Let a fixed time pass where the behaviour under test is itself about time (grace periods, TTLs, a sender's pace). */
export const elapse = (ms: number): Promise<void> => sleep(ms);

/** Resolves with the first payload of `event` on `emitter` (e.g. a socket); fails after timeoutMs naming the event. */
export function once<T = unknown>(
  emitter: { once(event: string, fn: (payload: T) => void): unknown; off(event: string, fn: (payload: T) => void): unknown },
  event: string,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      emitter.off(event, fn);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    emitter.once(event, fn);
  });
}

/** `p`, or a failure naming `what` if it has not settled within timeoutMs. */
export function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Wait until the client's shared play head is `ms` of battle time past where it is now (playback running). */
export function advanced(c: { positionNow(): number }, ms: number, timeoutMs = 5000): Promise<true> {
  const target = c.positionNow() + ms;
  return waitFor(() => c.positionNow() >= target, { what: `play head at ${Math.round(target)} ms`, timeoutMs });
}

export function spread(values: number[]): number {
  return Math.max(...values) - Math.min(...values);
}

/**
 * How far apart the clients may be while playing at `rate`: 10 ms, unless their clock samples say
 * otherwise. A sample's offset is off by at most half its round trip, and ClockSync takes the median of
 * samples within twice (+1 ms) the fastest one's (shared/clock/sync.ts): each estimate is within its
 * fastest round trip + 0.5 ms, so two clients' positions differ by at most rate x (rttA + rttB + 1). A
 * loaded CI machine can slow every ping of a join past a few ms; then that bound is what the sync promises.
 */
export function syncBound(clients: { sync: { rtt: number } }[], rate = 1): number {
  const rtts = clients.map((c) => c.sync.rtt).sort((a, b) => b - a);
  return Math.max(10, rate * (rtts[0] + rtts[1] + 1));
}
