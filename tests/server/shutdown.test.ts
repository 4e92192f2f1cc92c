import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { RoomClient } from '../../client/lib/roomClient.js';
import { FIXTURE_BATTLE } from './fixtures/timeline.js';
import { until } from './helpers.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// Graceful shutdown (issue #13 item 6) with real child processes: SIGTERM stops accepting, closes every socket's
// transport so its client reconnects by itself (through a balancer, to another process) and re-joins, and the
// process exits 0 well within 10 s. A stray rejection or exception is logged and counted, not fatal.

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const hasRedis = await redisAvailable();
const children: ChildProcess[] = [];
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.length = 0;
  for (const f of cleanups.splice(0)) f();
});

interface Child {
  proc: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

async function startChild(entry: string, env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let killedAt = 0;
  const origKill = proc.kill.bind(proc);
  proc.kill = (sig?: NodeJS.Signals | number) => {
    killedAt = performance.now();
    return origKill(sig);
  };
  const exited = new Promise<{ code: number | null; ms: number }>((r) =>
    proc.on('exit', (code) => r({ code, ms: performance.now() - killedAt })),
  );
  const port = await until(() => Number(/"port":(\d+)/.exec(out)?.[1]) || null, 60_000, `child listening (${out.slice(-300)})`);
  return { proc, port, output: () => out, exited };
}

/** A TCP balancer: each new connection goes to the first upstream that accepts it. */
async function balancer(upstreams: () => number[]): Promise<number> {
  const server = net.createServer((client) => {
    const tryNext = (ports: number[]) => {
      const [p, ...rest] = ports;
      if (p === undefined) return client.destroy();
      const up = net.connect(p, '127.0.0.1');
      up.once('error', () => {
        up.destroy();
        tryNext(rest);
      });
      up.once('connect', () => {
        up.removeAllListeners('error');
        up.on('error', () => client.destroy());
        client.on('error', () => up.destroy());
        up.on('close', () => client.destroy());
        client.on('close', () => up.destroy());
        client.pipe(up).pipe(client);
      });
    };
    tryNext(upstreams());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

describe('graceful shutdown', () => {
  it('server/index.ts: SIGTERM closes the transport (the client would reconnect) and exits 0 within 10 s', async () => {
    const child = await startChild('server/index.ts', { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', REDIS_URL: '' });
    const sock = connect(`http://127.0.0.1:${child.port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const reason = new Promise<string>((r) => sock.once('disconnect', (why) => r(why)));
    child.proc.kill('SIGTERM');
    expect(await reason).toBe('transport close'); // not "io server disconnect", after which clients stay away
    const { code, ms } = await child.exited;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(child.output()).toMatch(/"msg":"shut down"/);
  }, 90_000);

  it.runIf(hasRedis)(
    'a client of a SIGTERMed process reconnects through the balancer to another process and re-joins its room',
    async () => {
      const env = { CHILD_REDIS_URL: REDIS_URL, CHILD_PREFIX: testPrefix() };
      const entry = 'tests/server/fixtures/shutdownChild.ts';
      const [a, b] = await Promise.all([startChild(entry, env), startChild(entry, env)]);
      const lb = await balancer(() => [a.port, b.port]);
      const url = `http://127.0.0.1:${lb}`;
      const res = await fetch(`${url}/api/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ battleId: FIXTURE_BATTLE }),
      });
      const { roomId, instructorKey } = (await res.json()) as { roomId: string; instructorKey: string };
      const rc = new RoomClient({
        url,
        roomId,
        name: 'Sisko',
        instructorKey,
        pings: 1,
        resyncMs: 0,
        socket: { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 300 },
      });
      cleanups.push(() => rc.close());
      const joined = await rc.ready;
      expect((await (await fetch(`http://127.0.0.1:${a.port}/healthz`)).json()).sockets).toBe(1);

      let rejoined = false;
      rc.subscribe((change) => change === 'room' && (rejoined = true)); // the ack of a fresh room:join
      a.proc.kill('SIGTERM');
      const { code, ms } = await a.exited;
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);

      await until(() => rejoined && rc.connection() === 'connected', 10_000, 're-joined');
      expect(rc.you()?.memberId).toBe(joined.you.memberId); // same clientId, same member
      await until(
        async () => ((await (await fetch(`http://127.0.0.1:${b.port}/healthz`)).json()) as { sockets: number }).sockets === 1,
        10_000,
        'on b',
      );
      const seek = await rc.seek(12_000);
      expect(seek, JSON.stringify(seek)).toMatchObject({ ok: true }); // still the instructor, now served by b
      expect(rc.you()?.role).toBe('instructor');
    },
    120_000,
  );

  it('a stray rejection and an uncaught exception are logged and counted; the process keeps serving', async () => {
    const child = await startChild('tests/server/fixtures/shutdownChild.ts', { CHILD_FAULTS: '1' });
    const base = `http://127.0.0.1:${child.port}`;
    await until(() => /stray exception/.test(child.output()), 10_000, 'faults logged');
    expect(child.output()).toMatch(/unhandled promise rejection/);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/wardroom_process_errors_total\{kind="unhandledRejection"\} 1/);
    expect(metrics).toMatch(/wardroom_process_errors_total\{kind="uncaughtException"\} 1/);
    expect(child.proc.exitCode).toBeNull();
  }, 60_000);
});
