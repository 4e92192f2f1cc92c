import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { RoomClient } from '../../client/lib/roomClient.js';
import { startCluster } from '../../deploy/cluster.js';
import { RedisServer, startServer } from '../../deploy/processes.js';
import { initialClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo } from '../../shared/protocol/events.js';
import { RedisStore } from '../../server/store/redis.js';
import { median, pct, type Row } from './stats.js';
import { offsetsNote, ViewerHost } from './viewerHosts.js';
import { now, sleep } from './time.js';
import { writeBenchSection } from './benchJson.js';
import { createRoom } from './rooms.js';
import { driveBare, startBare, type BareMeasured, type BareServer } from './clusterControl.js';
import { battles } from '../../replays/index.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { stateAt } from '../../shared/battle/seek.js';
import { cpuMinus, cpuOf, redisPid, threadCpu, type CpuGroups } from './procCpu.js';

// Multi-process figures (issue #12): the same viewers, rooms and commands on ONE server process (memory store)
// and on THREE processes sharing one Redis (store + socket.io adapter), every server a real child process
// (server/index.ts), clients in this process connecting straight to the processes (round robin, as the balancer
// spreads browsers). Plus Redis memory per room.

const BATTLE = 'second-battle-of-deep-space-9';

interface Case {
  rooms: number;
  viewersPerRoom: number;
  seeks: number;
}

interface Measured {
  seekMs: number[];
  /** Control: one bare Redis pub/sub hop (driver PUBLISH -> viewer host process), under the load of the same run. */
  hopMs: number[];
  /** The servers' own split (wardroom_clock_delivery_ms, every clock change of the seek loop): change -> emit, by path. */
  delivery: Delivery;
  /** Redis commands per playback command during the seek loop (the seeks and the plays after them), by command. */
  perCommand: string;
  /** The same receipts split: viewers on the instructor's process, and on the others (through Redis pub/sub). */
  sameMs: number[];
  otherMs: number[];
  /** Each seek's last receipt (the slowest viewer of the seek). */
  lastMs: number[];
  /** CPU ms per seek by process group (servers, redis, hosts) over the seek loop. */
  cpu: Record<string, number>;
  /** wardroom_broadcasts_total per seek by kind, summed over the processes. */
  broadcasts: string;
  /** The servers' CPU ms per seek by thread name. */
  threads: string;
  joinMs: number;
}

/**
 * Rooms playing with viewers spread over `urls` (round robin, as the balancer spreads browsers) and over the viewer
 * host processes (viewer k on hosts[k % hosts], so with three processes each host holds one process's viewers);
 * seeks from each room's instructor (in this process) in turn.
 */
async function drive(
  urls: string[],
  c: Case,
  hosts: ViewerHost[],
  redisUrl: string,
  cpuGroups: CpuGroups,
): Promise<Measured & { rooms: number; idle(ms: number): Promise<void>; close(): void }> {
  const instructors: RoomClient[] = [];
  const rooms: { roomId: string; inst: RoomClient; instUrl: string; viewers: number[] }[] = [];
  const home = new Map<number, string>();
  // Compile the battle on every process first (COMPILE_ON_START=false): joins then measure serving, not compiling.
  await Promise.all(urls.map((u) => fetch(`${u}/api/battles/${BATTLE}`).then((r) => r.arrayBuffer())));
  const t0 = performance.now();
  let k = 0;
  for (let r = 0; r < c.rooms; r++) {
    const { roomId, instructorKey } = await createRoom(urls[0], BATTLE);
    const instUrl = urls[k++ % urls.length];
    const inst = new RoomClient({
      url: instUrl,
      roomId,
      name: 'Sisko',
      instructorKey,
      pings: 4,
      settleMs: [],
      resyncMs: 0,
      socket: { forceNew: true, transports: ['websocket'] },
    });
    instructors.push(inst);
    const joins: Promise<unknown>[] = [inst.ready];
    const viewers: number[] = [];
    for (let i = 0; i < c.viewersPerRoom; i++, k++) {
      const id = k;
      home.set(id, urls[k % urls.length]);
      viewers.push(id);
      joins.push(hosts[k % hosts.length].join(id, urls[k % urls.length], roomId, `v${i}`));
    }
    await Promise.all(joins);
    rooms.push({ roomId, inst, instUrl, viewers });
  }
  const joinMs = performance.now() - t0;
  // CLUSTER_PAUSED=1: the rooms stay paused (no event streaming between seeks), to tell the seek's own cost from
  // the playing rooms' streaming around it.
  const paused = process.env.CLUSTER_PAUSED === '1';
  if (!paused) for (const room of rooms) await room.inst.play();
  await sleep(1500);

  const seekMs: number[] = [];
  const sameMs: number[] = [];
  const otherMs: number[] = [];
  const lastMs: number[] = [];
  const groups: CpuGroups = { ...cpuGroups, hosts: hosts.map((h) => h.pid) };
  const delivery0 = await deliveryOf(urls);
  const sent0 = await broadcastsOf(urls);
  const stats0 = await commandStats(redisUrl);
  const cpu0 = cpuOf(groups); // after the probes: /metrics renders are not the seeks' CPU
  const threads0 = threadCpu(cpuGroups.servers ?? []);
  for (let s = 0; s < c.seeks; s++) {
    const { roomId, inst, instUrl, viewers } = rooms[s % rooms.length];
    const got = new Map<number, number>();
    const target = 60_000 + s * 7_000;
    await Promise.all(hosts.map((h) => h.watch(s, roomId, target, (id, t) => got.set(id, t))));
    const sent = now();
    await inst.seek(target);
    const deadline = Date.now() + 5000;
    while (got.size < viewers.length && Date.now() < deadline) await sleep(2);
    for (const h of hosts) h.unwatch(s);
    for (const [id, t] of got) {
      seekMs.push(t - sent);
      (home.get(id) === instUrl ? sameMs : otherMs).push(t - sent);
    }
    if (got.size) lastMs.push(Math.max(...got.values()) - sent);
    await (paused ? inst.pause() : inst.play());
    await sleep(250);
  }
  const cpu = Object.fromEntries(Object.entries(cpuMinus(cpuOf(groups), cpu0)).map(([k, v]) => [k, v / c.seeks]));
  const threads = Object.entries(cpuMinus(threadCpu(cpuGroups.servers ?? []), threads0))
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${(v / c.seeks).toFixed(1)}`)
    .join(', ');
  const sent1 = await broadcastsOf(urls);
  const broadcasts = [...sent1].map(([k, v]) => `${k} ${((v - (sent0.get(k) ?? 0)) / c.seeks).toFixed(1)}`).join(', ');
  const delivery = minus(await deliveryOf(urls), delivery0);
  const stats1 = await commandStats(redisUrl);
  // Each seek is followed by a play: 2 commands per seek. Background reads (safety net, stop points) are included.
  const perCommand = [...stats1]
    .map(([k, v]) => [k, (v - (stats0.get(k) ?? 0)) / (2 * c.seeks)] as const)
    .filter(([k, d]) => d > 0 && k !== 'info' && k !== 'hello')
    .sort((x, y) => y[1] - x[1])
    .map(([k, d]) => `${k} ${d.toFixed(2)}`)
    .join(', ');
  const hopMs = await redisHop(hosts, redisUrl, c.seeks * 2);
  return {
    seekMs,
    hopMs,
    delivery,
    perCommand,
    sameMs,
    otherMs,
    lastMs,
    cpu,
    broadcasts,
    threads,
    joinMs,
    rooms: rooms.length,
    idle: (ms) => sleep(ms),
    close: () => {
      for (const x of instructors) x.close();
    },
  };
}

/** Per path: sum, count and the cumulative histogram buckets (le -> count). */
type Delivery = Record<'local' | 'bus', { sum: number; count: number; buckets: Map<number, number> }>;
const emptyDelivery = (): Delivery => ({
  local: { sum: 0, count: 0, buckets: new Map() },
  bus: { sum: 0, count: 0, buckets: new Map() },
});

/** wardroom_clock_delivery_ms summed over the processes (prom-client text format). */
async function deliveryOf(urls: string[]): Promise<Delivery> {
  const out = emptyDelivery();
  for (const u of urls) {
    const text = await (await fetch(`${u}/metrics`)).text();
    for (const m of text.matchAll(/^wardroom_clock_delivery_ms_(sum|count)\{path="(local|bus)"\} ([\d.e+-]+)$/gm))
      out[m[2] as 'local' | 'bus'][m[1] as 'sum' | 'count'] += Number(m[3]);
    // Label order is the client library's business: read le and path wherever they are.
    for (const m of text.matchAll(/^wardroom_clock_delivery_ms_bucket\{([^}]*)\} (\d+)$/gm)) {
      const le = /le="([\d.]+)"/.exec(m[1])?.[1];
      const path = /path="(local|bus)"/.exec(m[1])?.[1] as 'local' | 'bus' | undefined;
      if (!le || !path) continue;
      const b = out[path].buckets;
      b.set(Number(le), (b.get(Number(le)) ?? 0) + Number(m[2]));
    }
  }
  return out;
}

const minus = (a: Delivery, b: Delivery): Delivery => {
  const out = emptyDelivery();
  for (const k of ['local', 'bus'] as const) {
    out[k].sum = a[k].sum - b[k].sum;
    out[k].count = a[k].count - b[k].count;
    for (const [le, n] of a[k].buckets) out[k].buckets.set(le, n - (b[k].buckets.get(le) ?? 0));
  }
  return out;
};
/** wardroom_broadcasts_total by kind, summed over the processes. */
async function broadcastsOf(urls: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const u of urls) {
    const text = await (await fetch(`${u}/metrics`)).text();
    for (const m of text.matchAll(/^wardroom_broadcasts_total\{kind="(\w+)"\} ([\d.e+-]+)$/gm))
      out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The histogram's p50 as the bucket bound it falls under ("<= 2" ms), or null with no observations. */
const p50Of = (d: { count: number; buckets: Map<number, number> }): string | null => {
  if (!d.count) return null;
  const le = [...d.buckets].sort((x, y) => x[0] - y[0]).find(([, n]) => n >= d.count / 2)?.[0];
  return le === undefined ? '> 250' : `<= ${le}`;
};
const meanOf = (d: { sum: number; count: number }) => (d.count ? Number((d.sum / d.count).toFixed(2)) : null);

/**
 * The control: the machine's own price of one Redis pub/sub hop under this run's load, with no Wardroom code in it.
 * The driver PUBLISHes `n` messages (spaced like the seeks) and every viewer host process stamps each on receipt.
 * A clock change on three processes needs at least one such hop more than on one process (the write's reply on
 * the instructor's process, the published change on the others), so this is the floor under the difference.
 */
async function redisHop(hosts: ViewerHost[], url: string, n: number): Promise<number[]> {
  const channel = `bench:hop:${process.pid}:${Date.now()}`;
  await Promise.all(hosts.map((h) => h.listen(url, channel)));
  const pub = createClient({ url });
  await pub.connect();
  const sent = new Map<number, number>();
  const out: number[] = [];
  for (const h of hosts)
    h.onHeard = (i, t) => {
      const s = sent.get(i);
      if (s !== undefined) out.push(t - s);
    };
  for (let i = 0; i < n; i++) {
    sent.set(i, now());
    await pub.publish(channel, String(i));
    await sleep(100);
  }
  await sleep(200);
  await pub.close();
  for (const h of hosts) h.onHeard = null;
  return out;
}

/** Three viewer host processes for one run (closed by the caller). */
const HOSTS = 3;
const startHosts = () => Promise.all(Array.from({ length: HOSTS }, () => ViewerHost.start()));

async function commandStats(url: string): Promise<Map<string, number>> {
  const c = createClient({ url });
  await c.connect();
  const text = await c.info('commandstats');
  await c.close();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** One measured drive on fresh viewer host processes. */
async function driveWithHosts(
  urls: string[],
  c: Case,
  redisUrl: string,
  cpuGroups: CpuGroups,
): Promise<{ run: Awaited<ReturnType<typeof drive>>; hosts: ViewerHost[] }> {
  const hosts = await startHosts();
  try {
    return { run: await drive(urls, c, hosts, redisUrl, cpuGroups), hosts };
  } catch (err) {
    await Promise.all(hosts.map((h) => h.close()));
    throw err;
  }
}

const summary = (xs: number[]) => ({ p50: Number(pct(xs, 50).toFixed(2)), p99: Number(pct(xs, 99).toFixed(2)), n: xs.length });

/** docs/benchmarks.json: the full run under "cluster", a quick run under "clusterQuick" (a smoke run never replaces the figures). */
function writeJson(quick: boolean, figures: Record<string, unknown>): void {
  writeBenchSection(quick ? 'clusterQuick' : 'cluster', `npm run bench -- cluster${quick ? ' quick' : ''}`, {
    note: 'seek -> every viewer: clock receipt in the viewer host processes minus the seek emit in the driver (ms, host clock offsets measured); 1 process = memory store, 3 processes = one Redis (fsync everysec as docker-compose.yml); loadAverage at the end (1/5/15 min): above 2 the machine was shared',
    ...figures,
  });
}

const emptyBare = (): BareMeasured => ({ seekMs: [], sameMs: [], otherMs: [], lastMs: [], cpu: {} });
const addBare = (into: BareMeasured, m: BareMeasured) => {
  into.seekMs.push(...m.seekMs);
  into.sameMs.push(...m.sameMs);
  into.otherMs.push(...m.otherMs);
  into.lastMs.push(...m.lastMs);
  addCpu(into.cpu, m.cpu);
};
/** Summed per-seek CPU of each round; divided by the rounds when printed. */
const addCpu = (into: Record<string, number>, cpu: Record<string, number>) => {
  for (const [k, v] of Object.entries(cpu)) into[k] = (into[k] ?? 0) + v;
};
const cpuNote = (cpu: Record<string, number>, rounds: number) =>
  Object.entries(cpu)
    .map(([k, v]) => `${k} ${(v / rounds).toFixed(1)}`)
    .join(', ');

/**
 * A real keyframe message of the bench's battle (the world at a seek target of the drive), for the bare control:
 * the bytes Wardroom sends each socket-delivery viewer after a seek's clock.
 */
function keyframeFile(): string {
  const def = battles.find((b) => b.info.id === BATTLE);
  if (!def) throw new Error(`no battle ${BATTLE}`);
  const tl = compileBattle(def).timeline;
  const positionMs = 60_000 + 6 * 7_000; // the middle of the quick drive's seek targets
  const file = path.join(tmpdir(), `wardroom-bench-keyframe-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ branchId: tl.branchId, positionMs, state: stateAt(tl.events, tl.keyframes, positionMs) }));
  return file;
}
const bareSummary = (m: BareMeasured) => ({
  all: summary(m.seekMs),
  instructorsProcess: summary(m.sameMs),
  otherProcesses: summary(m.otherMs),
});

const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} / p99 ${pct(xs, 99).toFixed(1)} ms`;

export async function benchCluster(quick: boolean): Promise<Row[]> {
  const c: Case = quick ? { rooms: 4, viewersPerRoom: 10, seeks: 12 } : { rooms: 10, viewersPerRoom: 20, seeks: 30 };
  // Pairs of runs (one process, then three), each pair on fresh rooms and viewer hosts, so the comparison is made
  // under the same machine load several times in one command.
  const rounds = Number(process.env.ROUNDS ?? 3);
  const env = { COMPILE_ON_START: 'false', LOG_LEVEL: 'warn' };
  const label = `${c.rooms} rooms x ${c.viewersPerRoom + 1} clients`;

  // Both topologies up for the whole bench; the one not being measured has no clients (its loop is idle).
  // Started one after the other: four servers booting at once on a loaded machine can miss their start timeout.
  const single = await startServer(env);
  const cluster = await startCluster({ env }).catch(async (err: unknown) => {
    await single.stop();
    throw err;
  });
  const urls3 = cluster.servers.map((s) => s.url);
  // One process on the same Redis (its own key prefix, so not part of the cluster): the store's round trip without a
  // second process. 3 processes minus this is what a second process costs a room; minus the memory store's single
  // process it is the cost of Redis as well.
  const soloRedis = await startServer({ ...env, REDIS_URL: cluster.redis.url, REDIS_PREFIX: `solo-${process.pid}:` }).catch(
    async (err: unknown) => {
      await Promise.all([single.stop(), cluster.stop()]);
      throw err;
    },
  );
  // The bare control (tests/bench/bareServer.ts): one plain socket.io process, three on the same Redis.
  // With a real keyframe's bytes to send after the clock when a seek asks for it (Wardroom's viewers get one).
  const bare: BareServer[] = [];
  try {
    const kf = { BARE_KEYFRAME_FILE: keyframeFile() };
    bare.push(await startBare(kf));
    const prefix = `bare-${process.pid}:`;
    for (let i = 0; i < 3; i++) bare.push(await startBare({ ...kf, REDIS_URL: cluster.redis.url, BARE_PREFIX: prefix }));
  } catch (err) {
    await Promise.all([single.stop(), soloRedis.stop(), cluster.stop(), ...bare.map((b) => b.stop())]);
    throw err;
  }
  const bareUrls3 = bare.slice(1).map((b) => b.url);
  const control = { one: emptyBare(), adapter: emptyBare(), cas: emptyBare(), oneKf: emptyBare(), casKf: emptyBare() };
  // The adapter's broadcast arm (no write, clock only) costs a round a third more: on request (BARE_ADAPTER=1).
  const withAdapter = process.env.BARE_ADAPTER === '1';
  // CPU per seek by process group (procCpu.ts): each drive adds its viewer hosts.
  const redisGroup = [redisPid(cluster.redis.port)].filter((x): x is number => x !== null);
  const cpu = { one: {} as Record<string, number>, oneRedis: {} as Record<string, number>, three: {} as Record<string, number> };
  const last = { one: [] as number[], oneRedis: [] as number[], three: [] as number[] };
  const one: number[] = [];
  const oneRedis: number[] = [];
  const three = { seekMs: [] as number[], sameMs: [] as number[], otherMs: [] as number[] };
  const hop = { one: [] as number[], three: [] as number[] };
  const delivery = { one: emptyDelivery(), three: emptyDelivery() };
  const perCommand: string[] = [];
  const add = (into: Delivery, d: Delivery) => {
    for (const k of ['local', 'bus'] as const) {
      into[k].sum += d[k].sum;
      into[k].count += d[k].count;
      for (const [le, n] of d[k].buckets) into[k].buckets.set(le, (into[k].buckets.get(le) ?? 0) + n);
    }
  };
  const pairs: string[] = [];
  const rows: {
    one: number[];
    three: number[];
    other: number[];
    bareOne: number[];
    bareThree: number[];
    bareOneKf: number[];
    bareThreeKf: number[];
  }[] = [];
  const offsets: string[] = [];
  let commands = { perRoomSec: 0, top: '', windowMs: 0 };
  try {
    for (let r = 0; r < rounds; r++) {
      const a = await driveWithHosts([single.url], c, cluster.redis.url, { servers: [single.proc.pid ?? 0] });
      a.run.close();
      await Promise.all(a.hosts.map((h) => h.close()));
      const s = await driveWithHosts([soloRedis.url], c, cluster.redis.url, { servers: [soloRedis.proc.pid ?? 0], redis: redisGroup });
      s.run.close();
      await Promise.all(s.hosts.map((h) => h.close()));
      oneRedis.push(...s.run.seekMs);
      // The bare control in the same round, each on fresh viewer hosts.
      const round = { one: emptyBare(), cas: emptyBare(), oneKf: emptyBare(), casKf: emptyBare() };
      const bareCpu = { servers: [bare[0].pid] };
      const bareCpu3 = { servers: bare.slice(1).map((b) => b.pid), redis: redisGroup };
      for (const [into, urls, mode, keyframe, groups] of [
        [round.one, [bare[0].url], 'cas', false, bareCpu],
        [round.oneKf, [bare[0].url], 'cas', true, bareCpu],
        ...(withAdapter ? [[control.adapter, bareUrls3, 'adapter', false, bareCpu3] as const] : []),
        [round.cas, bareUrls3, 'cas', false, bareCpu3],
        [round.casKf, bareUrls3, 'cas', true, bareCpu3],
      ] as const) {
        const hosts = await startHosts();
        try {
          addBare(into, await driveBare([...urls], c, hosts, mode, { keyframe, cpu: groups }));
        } finally {
          await Promise.all(hosts.map((h) => h.close()));
        }
      }
      for (const k of ['one', 'cas', 'oneKf', 'casKf'] as const) addBare(control[k], round[k]);
      const b = await driveWithHosts(urls3, c, cluster.redis.url, {
        servers: cluster.servers.map((x) => x.proc.pid ?? 0),
        redis: redisGroup,
      });
      offsets.push(offsetsNote(b.hosts));
      if (r === 0) {
        // Quiet window: every room playing, nothing changing.
        // 30 s: one presence sweep per process (PRESENCE_SWEEP_S) and three safety-net reads per room (10 s) counted
        // whole; a 5 s window sampled those periods by chance.
        const windowMs = 30_000;
        const before = await commandStats(cluster.redis.url);
        await b.run.idle(windowMs);
        const after = await commandStats(cluster.redis.url);
        const deltas = [...after]
          .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
          .filter(([k, d]) => d > 0 && k !== 'info' && k !== 'hello'); // not the probe's own
        const total = deltas.reduce((s, [, d]) => s + d, 0);
        const top = deltas
          .sort((x, y) => y[1] - x[1])
          .slice(0, 4)
          .map(([k, d]) => `${k} ${(d / b.run.rooms / (windowMs / 1000)).toFixed(2)}`)
          .join(', ');
        commands = { perRoomSec: total / b.run.rooms / (windowMs / 1000), top, windowMs };
      }
      b.run.close();
      await Promise.all(b.hosts.map((h) => h.close()));
      rows.push({
        one: a.run.seekMs,
        three: b.run.seekMs,
        other: b.run.otherMs,
        bareOne: round.one.seekMs,
        bareThree: round.cas.seekMs,
        bareOneKf: round.oneKf.seekMs,
        bareThreeKf: round.casKf.seekMs,
      });
      addCpu(cpu.one, a.run.cpu);
      addCpu(cpu.oneRedis, s.run.cpu);
      addCpu(cpu.three, b.run.cpu);
      last.one.push(...a.run.lastMs);
      last.oneRedis.push(...s.run.lastMs);
      last.three.push(...b.run.lastMs);
      one.push(...a.run.seekMs);
      three.seekMs.push(...b.run.seekMs);
      three.sameMs.push(...b.run.sameMs);
      three.otherMs.push(...b.run.otherMs);
      hop.one.push(...a.run.hopMs);
      hop.three.push(...b.run.hopMs);
      add(delivery.one, a.run.delivery);
      add(delivery.three, b.run.delivery);
      perCommand.push(b.run.perCommand);
      pairs.push(
        `round ${r + 1}: 1 process ${fmt(a.run.seekMs)}, 3 processes ${fmt(b.run.seekMs)} (others p50 ${pct(b.run.otherMs, 50).toFixed(1)}), delta p50 ${(median(b.run.seekMs) - median(a.run.seekMs)).toFixed(1)}; bare ${fmt(round.one.seekMs)} -> ${fmt(round.cas.seekMs)}, delta p50 ${(median(round.cas.seekMs) - median(round.one.seekMs)).toFixed(1)}; bare + keyframe ${fmt(round.oneKf.seekMs)} -> ${fmt(round.casKf.seekMs)}, delta p50 ${(median(round.casKf.seekMs) - median(round.oneKf.seekMs)).toFixed(1)}; broadcasts per seek 1 process ${a.run.broadcasts} | on Redis ${s.run.broadcasts} | 3 processes ${b.run.broadcasts}; CPU ms per seek 1 process ${cpuNote(a.run.cpu, 1)} | on Redis ${cpuNote(s.run.cpu, 1)} | 3 processes ${cpuNote(b.run.cpu, 1)}; servers' CPU by thread 1 process ${a.run.threads} | 3 processes ${b.run.threads}`,
      );
    }
  } finally {
    await Promise.all([single.stop(), soloRedis.stop(), cluster.stop(), ...bare.map((x) => x.stop())]);
  }
  for (const p of pairs) console.error(`[cluster] ${p}`);
  writeJson(quick, {
    case: c,
    rounds,
    loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
    oneProcess: summary(one),
    oneProcessOnRedis: summary(oneRedis),
    threeProcesses: { all: summary(three.seekMs), instructorsProcess: summary(three.sameMs), otherProcesses: summary(three.otherMs) },
    perRound: rows.map((r) => ({
      oneProcess: summary(r.one),
      threeProcesses: summary(r.three),
      otherProcesses: summary(r.other),
      bareOneProcess: summary(r.bareOne),
      bareThreeProcesses: summary(r.bareThree),
      bareOneProcessKeyframe: summary(r.bareOneKf),
      bareThreeProcessesKeyframe: summary(r.bareThreeKf),
    })),
    // Each seek's slowest viewer (ms after the seek), and CPU ms per seek by process group over the seek loops.
    lastViewerMs: {
      oneProcess: summary(last.one),
      oneProcessOnRedis: summary(last.oneRedis),
      threeProcesses: summary(last.three),
      bareOneProcess: summary(control.one.lastMs),
      bareThreeProcesses: summary(control.cas.lastMs),
      bareOneProcessKeyframe: summary(control.oneKf.lastMs),
      bareThreeProcessesKeyframe: summary(control.casKf.lastMs),
    },
    cpuMsPerSeek: {
      oneProcess: cpuNote(cpu.one, rounds),
      oneProcessOnRedis: cpuNote(cpu.oneRedis, rounds),
      threeProcesses: cpuNote(cpu.three, rounds),
      bareOneProcess: cpuNote(control.one.cpu, rounds),
      bareThreeProcesses: cpuNote(control.cas.cpu, rounds),
      bareOneProcessKeyframe: cpuNote(control.oneKf.cpu, rounds),
      bareThreeProcessesKeyframe: cpuNote(control.casKf.cpu, rounds),
    },
    redisCommandsPerRoomPerS: Number(commands.perRoomSec.toFixed(3)),
    // The servers' own split of a clock change (mean ms from the change's serverTime to the emit, every change of the seek loops).
    serverDeliveryMs: {
      oneProcess: { mean: meanOf(delivery.one.local), p50: p50Of(delivery.one.local) },
      threeProcessesInstructors: { mean: meanOf(delivery.three.local), p50: p50Of(delivery.three.local) },
      threeProcessesOthers: { mean: meanOf(delivery.three.bus), p50: p50Of(delivery.three.bus) },
    },
    // The control: one bare Redis pub/sub hop to the viewer host processes, during the 1-process and the 3-process runs.
    redisCommandsPerPlaybackCommand: perCommand,
    redisHopControl: { duringOneProcess: summary(hop.one), duringThreeProcesses: summary(hop.three) },
    // The bare control: plain socket.io servers (tests/bench/bareServer.ts), the same viewers, hosts, rooms and clock bytes.
    bareControl: {
      oneProcess: summary(control.one.seekMs),
      ...(withAdapter ? { threeProcessesAdapterBroadcast: bareSummary(control.adapter) } : {}),
      threeProcessesWriteThenPublish: bareSummary(control.cas),
      oneProcessKeyframe: summary(control.oneKf.seekMs),
      threeProcessesWriteThenPublishKeyframe: bareSummary(control.casKf),
    },
    hostClocks: offsets[0],
  });
  return [
    {
      bench: `cluster ${label}: seek -> every viewer, 1 process`,
      battle: BATTLE,
      value: median(one),
      unit: 'ms p50',
      note: `${fmt(one)} (${one.length} receipts, ${rounds} rounds)`,
    },
    {
      bench: `cluster ${label}: seek -> every viewer, 1 process on Redis`,
      battle: BATTLE,
      value: median(oneRedis),
      unit: 'ms p50',
      note: `${fmt(oneRedis)} (${oneRedis.length} receipts): the same store round trip as 3 processes, no second process; 3 processes minus this: p50 ${(median(three.seekMs) - median(oneRedis)).toFixed(1)} / p99 ${(pct(three.seekMs, 99) - pct(oneRedis, 99)).toFixed(1)} ms`,
    },
    {
      bench: `cluster ${label}: seek -> every viewer, 3 processes`,
      battle: BATTLE,
      value: median(three.seekMs),
      unit: 'ms p50',
      note: `${fmt(three.seekMs)} (${three.seekMs.length} receipts); on the instructor's process ${fmt(three.sameMs)}, on the others ${fmt(three.otherMs)}; delta vs 1 process p50 ${(median(three.seekMs) - median(one)).toFixed(1)} ms, p99 ${(pct(three.seekMs, 99) - pct(one, 99)).toFixed(1)} ms; per round: ${pairs.join('; ')}; ${offsets[0]}`,
    },
    {
      bench: `cluster ${label}: control, one bare Redis pub/sub hop`,
      battle: '-',
      value: median(hop.three),
      unit: 'ms p50',
      note: `driver PUBLISH -> viewer host process, during the 3-process runs ${fmt(hop.three)}, during the 1-process runs ${fmt(hop.one)}; servers' own change -> emit p50 (mean): 1 process ${p50Of(delivery.one.local)} (${meanOf(delivery.one.local)}) ms, 3 processes instructor's ${p50Of(delivery.three.local)} (${meanOf(delivery.three.local)}) ms, others ${p50Of(delivery.three.bus)} (${meanOf(delivery.three.bus)}) ms; Redis commands per playback command (3 processes, per round): ${perCommand.join(' | ')}`,
    },
    {
      bench: `cluster ${label}: control, bare socket.io, 1 vs 3 processes`,
      battle: '-',
      value: median(control.cas.seekMs) - median(control.one.seekMs),
      unit: 'ms p50 delta',
      note: `same viewers, rooms, clock bytes, no Wardroom code: 1 process ${fmt(control.one.seekMs)}; 3 processes, write+PUBLISH in one EVAL then local emit (Wardroom's path) ${fmt(control.cas.seekMs)} (instructor's process ${fmt(control.cas.sameMs)}, others ${fmt(control.cas.otherMs)}); ${withAdapter ? `3 processes, the Redis adapter's broadcast (no write) ${fmt(control.adapter.seekMs)} (instructor's process ${fmt(control.adapter.sameMs)}, others ${fmt(control.adapter.otherMs)}); ` : ''}Wardroom's delta p50 ${(median(three.seekMs) - median(one)).toFixed(1)} / p99 ${(pct(three.seekMs, 99) - pct(one, 99)).toFixed(1)} ms vs the bare write-then-publish delta p50 ${(median(control.cas.seekMs) - median(control.one.seekMs)).toFixed(1)} / p99 ${(pct(control.cas.seekMs, 99) - pct(control.one.seekMs, 99)).toFixed(1)} ms`,
    },
    {
      bench: `cluster ${label}: control, bare socket.io + keyframe, 1 vs 3 processes`,
      battle: '-',
      value: median(control.casKf.seekMs) - median(control.oneKf.seekMs),
      unit: 'ms p50 delta',
      note: `the bare control sending each viewer a real keyframe (the same bytes as Wardroom's) after the clock: 1 process ${fmt(control.oneKf.seekMs)}; 3 processes write+PUBLISH then local emit ${fmt(control.casKf.seekMs)} (instructor's process ${fmt(control.casKf.sameMs)}, others ${fmt(control.casKf.otherMs)}); delta p99 ${(pct(control.casKf.seekMs, 99) - pct(control.oneKf.seekMs, 99)).toFixed(1)} ms; Wardroom's delta above it p50 ${(median(three.seekMs) - median(one) - (median(control.casKf.seekMs) - median(control.oneKf.seekMs))).toFixed(1)} ms`,
    },
    {
      bench: `cluster ${label}: each seek's slowest viewer, and CPU per seek`,
      battle: '-',
      value: median(last.three) - median(last.one),
      unit: 'ms p50 delta',
      note: `slowest viewer of each seek: Wardroom 1 process ${fmt(last.one)}, 3 processes ${fmt(last.three)}; bare ${fmt(control.one.lastMs)} -> ${fmt(control.cas.lastMs)}; bare + keyframe ${fmt(control.oneKf.lastMs)} -> ${fmt(control.casKf.lastMs)}. CPU ms per seek (seek, play, 250 ms of playing): Wardroom 1 process ${cpuNote(cpu.one, rounds)}; on Redis ${cpuNote(cpu.oneRedis, rounds)}; 3 processes ${cpuNote(cpu.three, rounds)}; bare 1 ${cpuNote(control.one.cpu, rounds)}; bare 3 ${cpuNote(control.cas.cpu, rounds)}; bare + keyframe 1 ${cpuNote(control.oneKf.cpu, rounds)}, 3 ${cpuNote(control.casKf.cpu, rounds)}`,
    },
    {
      bench: `cluster ${label}: Redis commands per playing room`,
      battle: BATTLE,
      value: commands.perRoomSec,
      unit: 'cmd/room/s',
      note: `3 processes, nothing changing for ${commands.windowMs / 1000} s; top: ${commands.top}`,
    },
  ];
}

/** `MEMORY USAGE` of every key of one room with 50 annotations, 5 branch records and 20 members. */
export async function benchRedisMemory(): Promise<Row[]> {
  const redis = await RedisServer.start();
  try {
    const client = createClient({ url: redis.url });
    await client.connect();
    const store = new RedisStore(client, 'wardroom:');
    const roomId = 'AbCdEfGh';
    await store.createRoom(
      {
        roomId,
        battleId: BATTLE,
        instructorKey: 'x'.repeat(24),
        settings: { openControl: false, playersAnnotate: true, stepMode: false },
        createdAt: Date.now(),
      },
      { branchId: 'h'.repeat(22), clock: initialClock(492_000, Date.now()) },
    );
    for (let i = 0; i < 20; i++)
      await store.upsertMember(roomId, {
        memberId: `m_${String(i).padStart(14, '0')}`,
        name: `Cadet ${i}`,
        role: i ? 'viewer' : 'instructor',
        connected: i % 3 !== 0,
      });
    for (let i = 0; i < 50; i++) {
      const a: Annotation = {
        id: `note-${String(i).padStart(12, '0')}`,
        roomId,
        branchId: 'h'.repeat(22),
        positionMs: i * 9_000,
        text: "The Defiant breaks formation to draw the Jem'Hadar fighters away from the minefield. Watch the left flank.".slice(
          0,
          60 + (i % 40),
        ),
        phaseId: 'phase-2',
        at: { x: 120.5, y: 88.25 },
        author: 'Sisko',
        authorId: 'm_00000000000000',
        authorRole: 'instructor',
        createdAt: Date.now(),
        updatedAt: Date.now(),
      };
      await store.addAnnotation(a);
    }
    for (let i = 0; i < 5; i++) {
      const b: BranchInfo = {
        branchId: `b${i}`.padEnd(22, 'x'),
        battleId: BATTLE,
        parentBranchId: 'h'.repeat(22),
        decisions: [
          { decisionId: 'minefield', optionId: 'hold' },
          { decisionId: 'fleet-split', optionId: `option-${i}` },
        ],
        fork: { decisionId: 'fleet-split', atMs: 180_000 + i, seq: 9000 + i },
        durationMs: 470_000,
        outcome: {
          winner: 'federation',
          summary: 'The allied fleet breaks through before the minefield falls; the station holds.',
          losses: { federation: { ships: 31, stations: 0 }, dominion: { ships: 57, stations: 0 } },
          facts: [
            'The minefield held until the end',
            'Defiant reached the station',
            'Klingon reinforcements arrived at 6:10',
            'The Dominion withdrew',
          ],
          objectives: {
            hold: { label: 'Hold the station', status: 'complete' },
            mines: { label: 'Keep the minefield', status: 'complete' },
            escape: { label: 'Break out', status: 'failed' },
          },
        },
        createdBy: 'Cadet 3',
        createdAt: Date.now(),
      };
      await store.addBranch(roomId, b);
    }
    const sizes = await Promise.all(
      store.roomKeys(roomId).map(async (k) => [k.split(':').slice(3).join(':') || 'meta', (await client.memoryUsage(k)) ?? 0] as const),
    );
    await client.close();
    const total = sizes.reduce((s, [, n]) => s + n, 0);
    return [
      {
        bench: 'Redis memory per room (50 annotations, 5 branches, 20 members)',
        battle: '-',
        value: total / 1024,
        unit: 'KiB',
        note: sizes
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${(n / 1024).toFixed(1)}`)
          .join(', '),
      },
    ];
  } finally {
    await redis.close();
  }
}
