import { spawn } from 'node:child_process';
import net from 'node:net';
import { createClient } from 'redis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { reachable } from '../../deploy/processes.js';
import { clientAddress } from '../../server/limits/address.js';
import { MemoryStore } from '../../server/store/memory.js';
import type { BranchInfo } from '../../shared/protocol/events.js';
import { FIXTURE_BATTLE } from './fixtures/timeline.js';
import { type Booted, boot, clientId, until, waitFor } from './helpers.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from './redis.js';

// Abuse limits (issue #13 item 2) through real HTTP and real socket.io clients: per address (room creation,
// connections, joins), in memory and shared by two server processes over Redis; per room (members,
// annotations, branches).

const hasRedis = await redisAvailable();
const redisClosers: (() => Promise<unknown>)[] = [];
let booted: Booted[] = [];
let sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets) s.disconnect();
  sockets = [];
  await Promise.all(booted.map((b) => b.close()));
  booted = [];
});
afterAll(async () => {
  for (const c of redisClosers) await c();
});

type Limits = Parameters<typeof boot>[0];
async function servers(shared: 'memory' | 'redis', opts: Limits): Promise<[Booted, Booted]> {
  if (shared === 'memory') {
    const a = await boot(opts);
    booted.push(a);
    return [a, a];
  }
  const prefix = testPrefix();
  const store = new MemoryStore(); // rooms shared by the two "processes"; the limits go through Redis
  const make = async () => {
    const redis = createClient({ url: REDIS_URL });
    redisClosers.push(() => redis.close());
    await redis.connect();
    const b = await boot({ ...opts, store, limiterRedis: redis, limiterPrefix: prefix });
    booted.push(b);
    return b;
  };
  return [await make(), await make()];
}

const post = (url: string) =>
  fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId: FIXTURE_BATTLE }),
  });

/** Resolves with 'connected' or the connect_error's message and data. */
function tryConnect(url: string, forwardedFor?: string): Promise<{ connected: boolean; message?: string; data?: unknown }> {
  const headers = forwardedFor ? { extraHeaders: { 'x-forwarded-for': forwardedFor } } : {};
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, ...headers });
  sockets.push(s);
  return new Promise((resolve) => {
    s.on('connect', () => resolve({ connected: true }));
    s.on('connect_error', (err: Error & { data?: unknown }) => resolve({ connected: false, message: err.message, data: err.data }));
  });
}

/** A free port: bind to 0, read it, close (redis-server refuses --port 0). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

const backends: ('memory' | 'redis')[] = hasRedis ? ['memory', 'redis'] : ['memory'];

describe.each(backends)('per-address limits (%s)', (backend) => {
  it('room creation: past LIMIT_ROOMS_PER_MIN the address gets 429 RATE_LIMITED, on every process', async () => {
    const [a, b] = await servers(backend, { limits: { roomsPerMin: 3 } });
    expect((await post(a.url)).status).toBe(201);
    expect((await post(b.url)).status).toBe(201);
    expect((await post(a.url)).status).toBe(201);
    const refused = await post(b.url);
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toMatch(/retry in \d+ s/);
    expect(await b.app.metrics.registry.getSingleMetricAsString('wardroom_limits_hit_total')).toMatch(/limit="room:create"\} 1/);
  });

  it('connections: past LIMIT_CONNECTIONS_PER_MIN the handshake fails with RATE_LIMITED, on every process', async () => {
    const [a, b] = await servers(backend, { limits: { connectionsPerMin: 2 } });
    expect((await tryConnect(a.url)).connected).toBe(true);
    expect((await tryConnect(b.url)).connected).toBe(true);
    const third = await tryConnect(a.url);
    expect(third).toMatchObject({ connected: false, message: 'RATE_LIMITED', data: { code: 'RATE_LIMITED' } });
    expect((await tryConnect(b.url)).connected).toBe(false);
  });

  it('connections behind a trusted proxy count per forwarded address (read once from the released handshake request)', async () => {
    const [a] = await servers(backend, { limits: { connectionsPerMin: 1 }, trustProxy: 1 });
    expect((await tryConnect(a.url, '203.0.113.7')).connected).toBe(true);
    expect((await tryConnect(a.url, '203.0.113.7')).connected).toBe(false);
    expect((await tryConnect(a.url, '198.51.100.9')).connected).toBe(true);
  });

  it('joins: past LIMIT_JOINS_PER_MIN room:join acks RATE_LIMITED, on every process', async () => {
    const [a, b] = await servers(backend, { limits: { joinsPerMin: 2 } });
    const { roomId } = await a.createRoom();
    const j1 = a.client({ roomId, name: 'One', pings: 0 });
    const j2 = b.client({ roomId, name: 'Two', pings: 0 });
    await Promise.all([j1.ready, j2.ready]);
    const j3 = a.client({ roomId, name: 'Three', pings: 0 });
    await expect(j3.ready).rejects.toThrow(/RATE_LIMITED/);
    expect(await a.app.metrics.registry.getSingleMetricAsString('wardroom_limits_hit_total')).toMatch(/limit="room:join"\} 1/);
  });
});

describe('per-address limits without Redis', () => {
  it('fall back to an in-memory budget per process while Redis is unreachable', async () => {
    const port = await freePort();
    const own = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    try {
      const redis = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 200 } });
      redis.on('error', () => {});
      redisClosers.push(async () => redis.destroy());
      await waitFor(() => reachable(port), { what: 'the own redis-server to listen', timeoutMs: 5000 });
      await redis.connect();
      const s = await boot({ limits: { roomsPerMin: 2 }, limiterRedis: redis, limiterPrefix: testPrefix() });
      booted.push(s);
      expect((await post(s.url)).status).toBe(201);
      own.kill('SIGKILL');
      await until(() => !redis.isReady, 5000, 'redis down');
      const statuses = [(await post(s.url)).status, (await post(s.url)).status, (await post(s.url)).status];
      expect(statuses).toEqual([201, 201, 429]); // answered at once, by the memory insurance's own budget
    } finally {
      own.kill('SIGKILL');
    }
  });
});

describe('client address', () => {
  const req = (xff: string | undefined, peer = '::ffff:10.0.0.9') =>
    ({ headers: xff ? { 'x-forwarded-for': xff } : {}, socket: { remoteAddress: peer } }) as Parameters<typeof clientAddress>[0];
  it('is the peer unless TRUST_PROXY hops are trusted; then the entry that many hops from the right', () => {
    expect(clientAddress(req('6.6.6.6'), 0)).toBe('10.0.0.9'); // a spoofed header is ignored
    expect(clientAddress(req('6.6.6.6, 203.0.113.7'), 1)).toBe('203.0.113.7'); // what the one trusted proxy saw
    expect(clientAddress(req('6.6.6.6, 203.0.113.7, 10.0.0.2'), 2)).toBe('203.0.113.7');
    expect(clientAddress(req(undefined), 1)).toBe('10.0.0.9');
  });
});

describe('per-room limits', () => {
  it('members: a full room refuses a new member (LIMIT_REACHED) but lets a known one re-join', async () => {
    const s = await boot({ limits: { roomMembers: 2 } });
    booted.push(s);
    const { roomId } = await s.createRoom();
    const cid = clientId();
    const first = s.client({ roomId, name: 'Odo', clientId: cid, pings: 0 });
    await Promise.all([first.ready, s.client({ roomId, name: 'Quark', pings: 0 }).ready]);
    await expect(s.client({ roomId, name: 'Rom', pings: 0 }).ready).rejects.toThrow(/LIMIT_REACHED/);
    first.close();
    await expect(s.client({ roomId, name: 'Odo again', clientId: cid, pings: 0 }).ready).resolves.toMatchObject({ ok: true });
    expect((await s.app.rooms.members(roomId)).length).toBe(2);
  });

  it('annotations: past LIMIT_ROOM_ANNOTATIONS adds and imports get LIMIT_REACHED; retries of stored ids still ack', async () => {
    const s = await boot({ limits: { roomAnnotations: 2 } });
    booted.push(s);
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey, pings: 0 });
    await inst.ready;
    const note = (id: string) => ({ id, positionMs: 1000, text: id });
    expect((await inst.addAnnotation(note('note-0001'))).ok).toBe(true);
    expect((await inst.addAnnotation(note('note-0002'))).ok).toBe(true);
    expect(await inst.addAnnotation(note('note-0003'))).toMatchObject({ ok: false, error: { code: 'LIMIT_REACHED' } });
    expect((await inst.addAnnotation(note('note-0001'))).ok).toBe(true); // idempotent retry
    expect(await inst.importAnnotations({ annotations: [note('note-0001'), note('note-0004')] })).toMatchObject({
      ok: false,
      error: { code: 'LIMIT_REACHED' },
    });
    expect((await s.app.rooms.annotations(roomId)).map((a) => a.id)).toEqual(['note-0001', 'note-0002']);
  });

  it('branches: a room at LIMIT_ROOM_BRANCHES refuses a fork before compiling anything', async () => {
    const store = new MemoryStore();
    const s = await boot({ store, limits: { roomBranches: 1 } });
    booted.push(s);
    const { roomId, instructorKey } = await s.createRoom();
    const recorded: BranchInfo = {
      branchId: 'b-recorded',
      battleId: FIXTURE_BATTLE,
      parentBranchId: null,
      decisions: [],
      fork: null,
      durationMs: 1,
      outcome: (await s.app.rooms.load(roomId)).timeline.outcome,
      createdBy: 'test',
      createdAt: 0,
    };
    await store.addBranch(roomId, recorded);
    const inst = s.client({ roomId, name: 'Sisko', instructorKey, pings: 0 });
    await inst.ready;
    expect(await inst.fork({ decisionId: 'hold', optionId: 'fall-back' })).toMatchObject({ ok: false, error: { code: 'LIMIT_REACHED' } });
    expect((await s.app.rooms.branches(roomId)).length).toBe(1);
  });
});

describe.runIf(hasRedis)('per-room caps across two processes on one Redis', () => {
  it('hold exactly when joins and annotations race on both; departed members free their places', async () => {
    const prefix = testPrefix();
    const limits = { roomMembers: 5, roomAnnotations: 6, joinsPerMin: 10_000 };
    const make = async () => {
      const b = await boot({ store: await redisStore(prefix), ownsStore: true, limits });
      booted.push(b);
      return b;
    };
    const [a, b] = [await make(), await make()];
    const { roomId, instructorKey } = await a.createRoom();
    const on = (i: number) => (i % 2 ? a : b);
    const joiners = Array.from({ length: 14 }, (_, i) => on(i).client({ roomId, name: `Cadet ${i}`, pings: 0 }));
    const joined = await Promise.allSettled(joiners.map((c) => c.ready));
    expect(joined.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(joined.filter((r) => r.status === 'rejected').every((r) => /LIMIT_REACHED/.test(String(r.reason)))).toBe(true);
    for (const c of joiners) c.close();
    const present = async () => (await a.app.rooms.members(roomId)).filter((m) => m.connected).length;
    await waitFor(async () => (await present()) === 0, { what: 'the disconnects bookkept' });
    // Departed members stay listed (grace period) but fill no place: new ones get in again, on both processes.
    expect((await a.app.rooms.members(roomId)).length).toBe(5);
    const insts = [
      a.client({ roomId, name: 'Sisko', instructorKey, pings: 0 }),
      b.client({ roomId, name: 'Kira', instructorKey, pings: 0 }),
    ];
    await Promise.all(insts.map((c) => c.ready));
    const acks = await Promise.all(
      Array.from({ length: 16 }, (_, i) => insts[i % 2].addAnnotation({ id: `race-note-${i}`, positionMs: 10, text: `${i}` })),
    );
    expect(acks.filter((r) => r.ok)).toHaveLength(6);
    expect(acks.filter((r) => !r.ok).every((r) => !r.ok && r.error.code === 'LIMIT_REACHED')).toBe(true);
    expect(await b.app.rooms.annotations(roomId)).toHaveLength(6);
  });
});
