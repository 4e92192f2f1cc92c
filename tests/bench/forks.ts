import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { seedFork } from '../../client/lib/forkSeed.js';
import { RoomClient } from '../../client/lib/roomClient.js';
import { SegmentWorld } from '../../client/lib/segmentWorld.js';
import { createApi } from '../../client/src/api.js';
import { battles, historicalChoice } from '../../replays/index.js';
import type { BattleDefinition } from '../../replays/index.js';
import { createApp, type App } from '../../server/app.js';
import { MemoryStore } from '../../server/store/memory.js';
import { connectRedisBackend, type RedisBackend } from '../../server/store/redisBackend.js';
import { redisClient } from '../../server/store/redisClient.js';
import type { EngineStats } from '../../server/timelines/EngineTimelineService.js';
import { drainTrace, FORK_TRACE, traceGc, type TraceMark } from '../../server/timelines/forkTrace.js';
import { segmentIndexAt, stateInSegment, unpackWorld, type BranchManifest, type SegmentPayload } from '../../shared/battle/segments.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { writeBenchJson } from './benchJson.js';
import { median, pct, type Row } from './stats.js';
import type { FetchClientReply, FetchClientRequest, FirstSegmentTiming } from './fetchClient.js';
import type { ForkServerReply, ForkServerRequest } from './forkServer.js';
import { createRoom } from './rooms.js';

// Fork -> first frame of the what-if: a player forks over the socket, waits for the ack, fetches the segment
// holding the fork point over HTTP (brotli), unpacks it and folds to the fork point. Forks are distinct (no
// cache hits) and measured one at a time, each after the previous finished compiling. Also: other server processes
// (real ones, tests/bench/forkServer.ts, on the same Redis) that never compiled the fork serve its manifest and first
// segment: B rebuilt from the room's record (SEGMENT_CACHE_MB=0), C from the Redis segment cache, both timed by a client
// in a process of its own (tests/bench/fetchClient.ts).

/** Distinct alternatives to history at every decision: other options, and several values of a quantity. */
function alternatives(def: BattleDefinition, max: number): DecisionChoice[] {
  const out: DecisionChoice[] = [];
  for (const spec of def.decisions) {
    const hist = historicalChoice(spec);
    for (const o of spec.options) {
      if (!o.param) {
        if (o.id !== hist.optionId) out.push({ decisionId: spec.id, optionId: o.id });
        continue;
      }
      const { min, max: hi, step } = o.param;
      const n = Math.floor((hi - min) / step);
      for (const k of [0, n, n >> 1, n >> 2, (3 * n) >> 2, 1, n - 1]) {
        const value = min + Math.max(0, Math.min(n, k)) * step;
        if (o.id === hist.optionId && value === hist.value) continue;
        if (!out.some((c) => c.decisionId === spec.id && c.optionId === o.id && c.value === value))
          out.push({ decisionId: spec.id, optionId: o.id, value });
      }
    }
  }
  // Interleave decisions so a short run still covers early and late fork points.
  const byDecision = new Map<string, DecisionChoice[]>();
  for (const c of out) byDecision.set(c.decisionId, [...(byDecision.get(c.decisionId) ?? []), c]);
  const mixed: DecisionChoice[] = [];
  for (let i = 0; mixed.length < out.length; i++) for (const list of byDecision.values()) if (list[i]) mixed.push(list[i]);
  return mixed.slice(0, max);
}

/** A client that holds nothing of the branch: fetch the segment holding atMs, parse, unpack, fold (ms of each). */
async function coldFrame(
  url: string,
  battleId: string,
  branchId: string,
  atMs: number,
  m: BranchManifest,
  room?: string,
): Promise<{ fetch: number; parse: number; fold: number }> {
  const q = room ? `?room=${room}` : '';
  const t0 = performance.now();
  const res = await fetch(`${url}/api/battles/${battleId}/branches/${branchId}/segments/${segmentIndexAt(m.segments, atMs)}${q}`, {
    headers: { 'accept-encoding': 'br, gzip' },
  });
  if (res.status !== 200) throw new Error(`segment: ${res.status} ${await res.text()}`);
  const text = await res.text();
  const t1 = performance.now();
  const seg = JSON.parse(text) as SegmentPayload;
  const t2 = performance.now();
  stateInSegment(unpackWorld(seg.start), seg, atMs);
  return { fetch: t1 - t0, parse: t2 - t1, fold: performance.now() - t2 };
}

interface FrontierSample {
  /** performance.now() when the server published it. */
  t: number;
  ms: number;
  complete: boolean;
}

/**
 * Issue #14's "a fork can play at 16x while it compiles": a player who starts the fork at its first frame (`startT`,
 * at `atMs`) and plays at 16x, held by the server's clock wherever the frontier is (the room's clock never runs past
 * it), over the frontier as published. Returns the wall time it spent held, and the mean publish rate.
 */
function frontierAt16x(
  samples: FrontierSample[],
  atMs: number,
  startT: number,
): { holdMs: number; holdAfterSettleMs: number; worstHoldAtMs: number; meanRate: number } {
  const last = samples.at(-1);
  if (!last) return { holdMs: 0, holdAfterSettleMs: 0, worstHoldAtMs: atMs, meanRate: Infinity };
  const meanRate = (last.ms - atMs) / Math.max(1, last.t - samples[0].t);
  let pos = atMs;
  let t = startT;
  let held = 0;
  // Held once the player is past the first SETTLE_MS of battle: a player starting at the first frame waits for the
  // first part whatever the publish rate; past it, a hold means publishing fell behind 16x.
  let heldAfterSettle = 0;
  // Where in the battle the longest single hold past SETTLE_MS happened (to find the window that fell behind).
  let worstHold = 0;
  let worstHoldAtMs = atMs;
  let frontier = samples[0].ms;
  for (const s of samples) {
    if (s.t > t) {
      // Play on at 16x until this update arrives, or hold at the frontier until it does.
      const reach = t + (frontier - pos) / 16;
      if (reach < s.t) {
        // At the battle's end (all of it out, the branch being finished) the player has nothing left to wait for.
        const hold = s.complete && s.ms <= frontier ? 0 : s.t - Math.max(reach, t);
        held += hold;
        if (frontier >= atMs + SETTLE_MS) {
          heldAfterSettle += hold;
          if (hold > worstHold) [worstHold, worstHoldAtMs] = [hold, frontier];
        }
        pos = frontier;
      } else pos += (s.t - t) * 16;
      t = s.t;
    }
    frontier = Math.max(frontier, s.ms);
    if (s.complete) break;
  }
  return { holdMs: held, holdAfterSettleMs: heldAfterSettle, worstHoldAtMs, meanRate };
}

/** The first seconds of battle after the fork point: a start-up hold there is expected (the fork resumes, its first part simulates). */
const SETTLE_MS = 7_000;

/** How much of the what-if a viewer at 16x follows (playback ms past the fork point): ~7.5 s of wall time. */
const FOLLOW_MS = 120_000;

/**
 * A viewer at 16x from the fork's first frame, as frontierAt16x's player but with the client library itself: the fork's
 * SegmentWorld over HTTP (parts, long-polled manifest and all) is asked for the play head every 16 ms; the head moves
 * at 16x while the world can show it (covers) and waits where it cannot. Over the first FOLLOW_MS of the what-if.
 */
async function follow16x(
  w: SegmentWorld,
  atMs: number,
  finalMs: () => number | null,
): Promise<{ heldMs: number; heldAfterSettleMs: number; reachedMs: number }> {
  const FRAME = 16;
  let pos = atMs;
  // Each wait and where: one at the battle's end (all of it shown, the branch being finished) is none.
  const waits: [number, number][] = [];
  let last = performance.now();
  for (;;) {
    const end = Math.min(atMs + FOLLOW_MS, finalMs() ?? Infinity);
    if (pos >= end) break;
    await new Promise((r) => setTimeout(r, FRAME));
    const now = performance.now();
    const dt = now - last;
    last = now;
    const next = Math.min(end, pos + dt * 16);
    w.stateAt(next, { playing: true, rate: 16 });
    if (w.covers(next)) pos = next;
    else waits.push([pos, dt]);
  }
  const real = waits.filter(([at]) => at < (finalMs() ?? Infinity));
  const sum = (xs: [number, number][]) => xs.reduce((n, [, dt]) => n + dt, 0);
  return { heldMs: sum(real), heldAfterSettleMs: sum(real.filter(([at]) => at >= atMs + SETTLE_MS)), reachedMs: pos };
}

/** The client of the other processes (tests/bench/fetchClient.ts), a process of its own: times a branch's manifest and
 * the segment at a moment there (the bench's process hosts the forking server, whose compile would starve it). */
interface FetchClient {
  firstSegment(q: Omit<FetchClientRequest, 'id'>): Promise<FirstSegmentTiming>;
  close(): Promise<void>;
}

async function startFetchClient(): Promise<FetchClient> {
  const proc: ChildProcess = fork(fileURLToPath(new URL('./fetchClient.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: FirstSegmentTiming): void; reject(e: Error): void }>();
  await new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`fetch client exited with ${code}`)));
    proc.on('message', (raw) => {
      const m = raw as FetchClientReply | { ready: true };
      if ('ready' in m) return resolve();
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
  });
  return {
    firstSegment: (q) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        proc.send({ ...q, id } satisfies FetchClientRequest);
      }),
    async close() {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.disconnect();
      await exited;
    },
  };
}

/** The app's engine stats (its worker's), when its timeline service has them. */
async function engineStats(app: App): Promise<EngineStats | null> {
  const svc = app.rooms.timelines.service as { stats?: () => Promise<EngineStats> };
  return svc.stats ? svc.stats() : null;
}

/** The app's worker's fork trace marks (FORK_TRACE=1), drained; [] otherwise. */
async function workerTrace(app: App): Promise<TraceMark[]> {
  const svc = app.rooms.timelines.service as { trace?: () => Promise<TraceMark[]> };
  return FORK_TRACE && svc.trace ? svc.trace() : [];
}

/** What held one fork's ack, from the marks of the main thread and the worker between t0 and t1 (epoch ms). */
function ackBreakdown(
  main: TraceMark[],
  worker: TraceMark[],
  t0: number,
  t1: number,
  branchId: string | null,
): Record<string, number | string> {
  const marks = [...main, ...worker];
  const mainCount = main.length;
  const inWin = marks.filter((m) => m.t >= t0 - 1 && m.t <= t1 + 1).sort((x, y) => x.t - y.t);
  const first = (what: string, key?: (k: string) => boolean) => inWin.find((m) => m.what === what && (!key || key(m.key ?? '')));
  const at = (m: TraceMark | undefined) => (m ? Math.round((m.t - t0) * 10) / 10 : -1);
  const asked = (k: string) => k.startsWith('fork#') || k.startsWith('manifest#');
  const post = first('main:post', asked);
  const recv = first('worker:recv', asked);
  const resumed = first('fork:resumed');
  const listed = first('fork:listed');
  // A GC pause or a slice is charged to the window by its overlap with it (a mark is stamped when it ends, except GC).
  const overlap = (start: number, ms: number) => Math.max(0, Math.min(start + ms, t1) - Math.max(start, t0));
  // The worker's GC marks come after the main thread's in `marks` (see the callers): `main` says which is which.
  let gc = 0;
  let gcMajor = 0;
  let mainGc = 0;
  marks.forEach((m, i) => {
    if (m.what !== 'gc') return;
    const o = overlap(m.t, m.ms ?? 0);
    if (i < mainCount) mainGc += o;
    else gc += o;
    if (m.key === 'major' && i >= mainCount) gcMajor += o;
  });
  let otherSlices = 0;
  let prep = 0;
  for (const m of marks) {
    if (m.what === 'slice' && m.key !== branchId) otherSlices += overlap(m.t - (m.ms ?? 0), m.ms ?? 0);
    if (m.what === 'prepareResume') prep += overlap(m.t - (m.ms ?? 0), m.ms ?? 0);
  }
  const raw = inWin
    .filter((m) => m.what !== 'slice' || m.key !== branchId)
    .map((m) => `${at(m)}${m.what}${m.key ? `(${m.key.slice(0, 12)})` : ''}${m.ms !== undefined ? `=${m.ms.toFixed(1)}` : ''}`)
    .join(' ');
  return {
    raw,
    post: at(post),
    workerRecv: at(recv),
    gateAsk: at(first('gate:ask')),
    gateAcquired: at(first('gate:acquired')),
    resumed: at(resumed),
    resumeMs: Math.round(resumed?.ms ?? -1),
    listed: at(listed),
    listMs: Math.round(listed?.ms ?? -1),
    interimPosted: at(first('worker:interim')),
    interimReceived: at(first('main:interim')),
    ack: Math.round((t1 - t0) * 10) / 10,
    workerGcMs: Math.round(gc),
    mainGcMs: Math.round(mainGc),
    gcMajorMs: Math.round(gcMajor),
    otherSlicesMs: Math.round(otherSlices),
    prepareResumeMs: Math.round(prep),
  };
}

/** Another server process (tests/bench/forkServer.ts), driven over IPC and timed over HTTP. */
interface OtherProcess {
  url: string;
  sharedSegments: boolean;
  call(req: DistributiveOmit<ForkServerRequest, 'id'>): Promise<unknown>;
  /** Its main thread's and worker's FORK_TRACE marks, drained. */
  trace(): Promise<{ main: TraceMark[]; worker: TraceMark[] }>;
  close(): Promise<void>;
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

async function startOther(env: Record<string, string>): Promise<OtherProcess> {
  const proc: ChildProcess = fork(fileURLToPath(new URL('./forkServer.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    // glibc malloc as a server process has it (deploy/malloc.ts); FORK_TRACE and HISTORY_CACHE_DIR inherited.
    env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072', ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ready = new Promise<{ port: number; sharedSegments: boolean }>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`fork server exited with ${code}`)));
    proc.on('message', (raw) => {
      const m = raw as ForkServerReply | { ready: true; port: number; sharedSegments: boolean };
      if ('ready' in m) return resolve(m);
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
  });
  const { port, sharedSegments } = await ready;
  const call = (req: DistributiveOmit<ForkServerRequest, 'id'>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      proc.send({ ...req, id });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    sharedSegments,
    call,
    async trace() {
      return FORK_TRACE ? ((await call({ op: 'trace' })) as { main: TraceMark[]; worker: TraceMark[] }) : { main: [], worker: [] };
    },
    async close() {
      const exited = new Promise((r) => proc.once('exit', r));
      await call({ op: 'close' }).catch(() => {});
      const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** What the other-process rows time, and the parts of it (p50/p95): the client is a process of its own. */
function clientNote(xs: FirstSegmentTiming[]): string {
  const encodings = [...new Set(xs.map((x) => x.encoding))].join('/');
  return `timed by a client process (fetchClient.ts): manifest request -> the segment's last compressed byte in, not decoded; the segment request alone ${fmt(xs.map((x) => x.segment))}, decoding after it ${fmt(xs.map((x) => x.decode))} (${encodings}), with decoding ${fmt(xs.map((x) => x.total + x.decode))} ms`;
}

const fmt = (xs: number[]) => `${median(xs).toFixed(0)}/${pct(xs, 95).toFixed(0)}`;

export async function benchForks(quick: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  traceGc(); // the main thread's pauses too (FORK_TRACE=1): it runs the three servers' main threads and the client
  const logger = pino({ level: 'silent' });
  // With the other-process arms (FORKS_OTHER, default on) and a Redis answering (REDIS_URL or the local default), A is
  // a server on Redis as server/index.ts wires one (room store, adapter, clock bus, segment cache) under a fresh
  // prefix; B and C are real processes on the same Redis and prefix: B with SEGMENT_CACHE_MB=0 (rebuilds a fork from
  // the room's record), C with the segment cache (reads what A wrote). Without them: A alone on a MemoryStore.
  const withOthers = process.env.FORKS_OTHER !== '0';
  const redis = withOthers ? await redisBackendIfAny(logger) : null;
  const shared = redis?.backend.sharedSegments;
  const store = redis?.backend.store ?? new MemoryStore();
  // HISTORY_CACHE_DIR: histories read from disk (as a server given it does), not compiled by each app.
  const common = {
    logger,
    store,
    clientDist: null,
    rateLimit: { points: 1000, durationS: 1 },
    ...(process.env.HISTORY_CACHE_DIR ? { historyCacheDir: process.env.HISTORY_CACHE_DIR } : {}),
  };
  const a: App = createApp({
    ...common,
    ...(redis ? { adapter: redis.backend.adapter, clockBus: redis.backend.clockBus, sharedSegments: shared } : {}),
  });
  const otherEnv = redis ? { REDIS_URL: redis.url, REDIS_PREFIX: redis.prefix, SEGMENT_CACHE_TTL_S: '600', LOG_LEVEL: 'silent' } : null;
  const [procB, procC] = otherEnv
    ? await Promise.all([startOther({ ...otherEnv, SEGMENT_CACHE_MB: '0' }), startOther({ ...otherEnv, SEGMENT_CACHE_MB: '1024' })])
    : [null, null];
  if (procB?.sharedSegments || (procC && !procC.sharedSegments)) throw new Error('forks bench: B must share no segments, C must');
  const client = procB ? await startFetchClient() : null;
  const url = `http://127.0.0.1:${await a.listen(0, '127.0.0.1')}`;
  const http = createApi(url);
  const clients: RoomClient[] = [];
  const trace: Record<string, unknown>[] = [];
  // FORKS_BATTLES=id,id: only those battles; FORKS_N: forks per battle (a meaningful p95 needs 20 or more).
  const only = process.env.FORKS_BATTLES?.split(',');
  const perBattle = Number(process.env.FORKS_N ?? (quick ? 3 : 12));
  try {
    for (const def of battles) {
      const battleId = def.info.id;
      if (only && !only.includes(battleId)) continue;
      // Warm both processes' histories (a server compiles them at startup): in-process calls, since on a loaded
      // machine a 20,000-unit history (compile + segments) outlasts fetch's 300 s header timeout.
      const historyId = (await a.rooms.timelines.service.canonicalBranchId(battleId)) as string;
      await Promise.all([
        a.segments.manifest(battleId, historyId),
        procB?.call({ op: 'warm', battleId, historyId }),
        procC?.call({ op: 'warm', battleId, historyId }),
      ]);
      const { roomId } = await createRoom(url, battleId);
      // Segments delivery, as the browser app: with socket delivery the join copied the whole 22,401-unit history
      // from the worker to the main thread, which on a loaded machine outlasted even a 120 s ack timeout.
      const player = new RoomClient({
        url,
        roomId,
        name: 'bench',
        role: 'player',
        delivery: 'segments',
        resyncMs: 0,
        ackTimeoutMs: 120_000,
        socket: { forceNew: true },
      });
      clients.push(player);
      await player.ready;
      // The player watches history: its world (the client library's SegmentWorld over HTTP).
      const watching = new SegmentWorld(http, battleId, historyId, { room: roomId });
      const hm = await watching.loadManifest();
      const frame: number[] = [];
      const ack: number[] = [];
      const manifestMs: number[] = [];
      const cold: number[] = [];
      const coldSteps = { fetch: [] as number[], parse: [] as number[], fold: [] as number[] };
      const full: number[] = [];
      const holds16: number[] = [];
      const holdsAfterSettle: number[] = [];
      const viewer16: { heldMs: number; heldAfterSettleMs: number; segments: number; parts: number; bytes: number; followedMs: number }[] =
        [];
      const rate: number[] = [];
      const other: number[] = [];
      const past: number[] = [];
      const viaRedis: number[] = [];
      let progressive = 0;
      let seeded = 0;
      let spared = 0;
      let ackWithoutManifest = 0;
      const foldMs: number[] = [];
      const breakdowns: Record<string, number | string>[] = [];
      const otherBreakdowns: Record<string, number | string>[] = [];
      const redisBreakdowns: Record<string, number | string>[] = [];
      const otherSplits: FirstSegmentTiming[] = [];
      const redisSplits: FirstSegmentTiming[] = [];
      const splits = (x: FirstSegmentTiming | undefined) =>
        x
          ? `${x.manifest.toFixed(0)}/${x.headers.toFixed(0)}/${x.total.toFixed(0)}, decode ${x.decode.toFixed(0)} (${x.encoding} ${(x.bytes / 1024).toFixed(0)} KiB)`
          : '-';
      // Let the worker copy history's checkpoints ahead (idle time after its compile), as a server does after startup.
      await new Promise((r) => setTimeout(r, 3000));
      for (const choice of alternatives(def, perBattle)) {
        const atMs = hm.decisionPoints.find((p) => p.id === choice.decisionId)?.atMs;
        if (atMs == null) throw new Error(`history never reaches ${choice.decisionId}`);
        // Outside the timing: the player has the world at the decision point in front of them (its segment held).
        await watching.load(atMs);
        watching.stateAt(atMs);
        // Held there (the room's clock stops at a decision point), the client folds a spare world at the decision
        // point in idle time (SegmentWorld.prepareSpare, scheduled by stateAt); let that run, as a paused player would
        // (until it is ready, up to 2 s: at 22,401 units it takes 70-200 ms, so the 20 ms waited before measured a
        // player who forks within 20 ms of reaching the point).
        for (let waited = 0; watching.spareIndex === null && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
        const spareReady = watching.spareIndex !== null;
        // The server's side of the same: history checkpoints with a copy made ahead (a fork there resumes at once).
        const st = await engineStats(a);
        await workerTrace(a);
        drainTrace();
        const t0 = performance.now();
        const r = await player.fork(choice);
        if (!r.ok) throw new Error(`fork ${choice.decisionId}: ${r.error.message}`);
        const t1 = performance.now();
        const br = r.branch;
        if (br.complete === false) progressive++;
        // The compile frontier as the server publishes it, from the ack on (for a player at 16x: frontierAt16x).
        const frontier: FrontierSample[] = [];
        const f0 = a.segments.frontier(battleId, br.branchId);
        if (f0) frontier.push({ t: t1, ms: f0.compiledMs, complete: f0.complete });
        const offFrontier = a.segments.subscribe(battleId, br.branchId, (f) =>
          frontier.push({ t: performance.now(), ms: f.compiledMs, complete: f.complete }),
        );
        // The fork's world: its manifest, then its fork-point segment made from the held one (forkSeed), or fetched.
        // Every part the manifests listed, for the bytes the follower below fetched.
        const partBytes = new Map<string, number>();
        const counting: typeof http = {
          ...http,
          getManifest: async (...args) => {
            const m = await http.getManifest(...args);
            for (const p of m.parts ?? []) partBytes.set(`${p.index}/${p.part}`, p.bytes);
            return m;
          },
        };
        const w = new SegmentWorld(counting, battleId, br.branchId, { room: roomId });
        // The ack carries the manifest (no request); a server without it: fetched.
        if (r.manifest) w.useManifest(r.manifest);
        else ackWithoutManifest++;
        await w.loadManifest();
        const t2 = performance.now();
        const made = seedFork(w, watching);
        if (made) seeded++;
        const fromSpare = made && spareReady && watching.spareIndex === null;
        if (fromSpare) spared++;
        const tSeed = performance.now();
        await w.load(br.fork!.atMs);
        if (!w.stateAt(br.fork!.atMs)) throw new Error('no first frame');
        const t3 = performance.now();
        // From the first frame on, beside the rest: a viewer playing the what-if at 16x with this world.
        const fetchedBefore = w.fetched.length;
        const following = follow16x(w, br.fork!.atMs, () => {
          const f = a.segments.frontier(battleId, br.branchId);
          return f?.complete ? f.durationMs : null;
        });
        // The ack's trace, collected after the first frame: asking the worker for its marks waits for the fork's
        // compile to yield, which inside the timed span added 13-64 ms to every first frame.
        if (FORK_TRACE) {
          const e0 = performance.timeOrigin + t0;
          const bd = ackBreakdown(drainTrace(), await workerTrace(a), e0, performance.timeOrigin + t1, br.branchId);
          breakdowns.push(bd);
          console.log(`[forks] trace ${battleId} ${choice.decisionId} ack (ms from the emit): ${JSON.stringify(bd)}`);
        }
        ack.push(t1 - t0);
        manifestMs.push(t2 - t1);
        foldMs.push(t3 - tSeed);
        frame.push(t3 - t0);
        // Playing on: the frame 0.5 s past the fork point (its first part, 1 s), folded onto the first.
        const on = br.fork!.atMs + 500;
        await a.segments.whenCompiled(battleId, br.branchId, on);
        // The fork's world as its manifest poll would find it then (a fresh manifest; the made segment again).
        const wOn = new SegmentWorld(http, battleId, br.branchId, { room: roomId });
        await wOn.loadManifest();
        seedFork(wOn, watching);
        for (const ms of [br.fork!.atMs, on]) {
          await wOn.load(ms);
          if (!wOn.stateAt(ms, { playing: true, rate: 1 })) throw new Error('no frame past the fork point');
        }
        past.push(performance.now() - t0);
        wOn.dispose();
        // A client holding nothing of the fork (another browser): the fork-point segment fetched, parsed, unpacked.
        const c = await coldFrame(
          url,
          battleId,
          br.branchId,
          br.fork!.atMs,
          (await http.getManifest(battleId, br.branchId)) as BranchManifest,
        );
        cold.push(c.fetch + c.parse + c.fold);
        coldSteps.fetch.push(c.fetch);
        coldSteps.parse.push(c.parse);
        coldSteps.fold.push(c.fold);
        await a.segments.whenCompiled(battleId, br.branchId, Infinity);
        full.push(performance.now() - t0);
        const seen = await following;
        const fm = w.manifest;
        const segs = w.fetched.slice(fetchedBefore);
        const segBytes = segs.reduce((n, k) => n + (fm?.segments[k]?.bytes ?? 0), 0);
        const pBytes = w.fetchedParts.reduce((n, k) => n + (partBytes.get(k) ?? 0), 0);
        w.dispose();
        viewer16.push({
          ...seen,
          segments: segs.length,
          parts: w.fetchedParts.length,
          bytes: segBytes + pBytes,
          followedMs: seen.reachedMs - br.fork!.atMs,
        });
        offFrontier();
        const at16 = frontierAt16x(frontier, br.fork!.atMs, t3);
        holds16.push(at16.holdMs);
        holdsAfterSettle.push(at16.holdAfterSettleMs);
        rate.push(at16.meanRate);
        // Another process, which never saw this fork: manifest + the fork-point segment, rebuilt from the room's record.
        // (FORKS_OTHER=0 skips both other-process arms: half the compiles, for more first-frame samples.)
        if (procB && procC && client && shared) {
          // First let A's background writes of the fork's segments to Redis finish (the manifest goes last): C reads
          // them, and they would otherwise run during B's timing. (Up to 60 s: on a loaded machine they outlast 2 s,
          // and C, not finding the manifest, compiled the fork's parent from zero, once taking 219 s.)
          let i = 0;
          for (; i < 6000 && !(await shared.manifest(battleId, br.branchId)); i++) await new Promise((r) => setTimeout(r, 10));
          if (i === 6000) console.warn(`[forks] ${battleId}: the fork's manifest never reached Redis; C rebuilds it`);
          const stB = (await procB.call({ op: 'stats' })) as EngineStats;
          await procB.trace();
          const sb = await client.firstSegment({ url: procB.url, battleId, branchId: br.branchId, atMs: br.fork!.atMs, room: roomId });
          other.push(sb.total);
          otherSplits.push(sb);
          if (FORK_TRACE) {
            // The window is the client's (its epoch times), not until the worker answers the trace call (it may be busy compiling).
            const t = await procB.trace();
            const bd = ackBreakdown(t.main, t.worker, sb.t0, sb.t1, br.branchId);
            otherBreakdowns.push(bd);
            console.log(
              `[forks] trace ${battleId} ${choice.decisionId} other process rebuilt (ms from the manifest request; its resumes ready ${stB.resumesReady}/${stB.historyCheckpoints}): ${JSON.stringify(bd)}`,
            );
          }
          await procB.call({ op: 'whenCompiled', battleId, branchId: br.branchId });
          // Another process on the same Redis: manifest + fork-point segment from the shared cache (written above).
          await procC.trace();
          const sc = await client.firstSegment({ url: procC.url, battleId, branchId: br.branchId, atMs: br.fork!.atMs, room: roomId });
          viaRedis.push(sc.total);
          redisSplits.push(sc);
          if (FORK_TRACE) {
            const t = await procC.trace();
            const bd = ackBreakdown(t.main, t.worker, sc.t0, sc.t1, br.branchId);
            redisBreakdowns.push(bd);
            console.log(`[forks] trace ${battleId} ${choice.decisionId} other process from Redis: ${JSON.stringify(bd)}`);
          }
        }
        console.log(
          `[forks] ${battleId} ${choice.decisionId}: other process rebuilt ${other.at(-1)?.toFixed(0) ?? '-'} ms, from Redis ${viaRedis.at(-1)?.toFixed(0) ?? '-'} ms (client process: manifest in / segment headers / last byte at ${splits(otherSplits.at(-1))} and ${splits(redisSplits.at(-1))} ms); server resumes ready ${st ? `${st.resumesReady}/${st.historyCheckpoints}, worker heap ${(st.heapUsedBytes / 2 ** 20).toFixed(0)} MB, ${st.branches} branches` : '?'}; ack ${(t1 - t0).toFixed(0)} ms, manifest ${(t2 - t1).toFixed(0)} ms, first frame ${(t3 - t0).toFixed(0)} ms (${made ? 'made from the held parent segment' : 'fetched'}${fromSpare ? ", on the parent's spare world" : ''}: seed ${(tSeed - t2).toFixed(0)} ms, fold ${(t3 - tSeed).toFixed(0)} ms); cold client fetch/parse/unpack+fold ${c.fetch.toFixed(0)}/${c.parse.toFixed(0)}/${c.fold.toFixed(0)} ms; fork at ${br.fork!.atMs / 1000} s: a 16x player held at the server's frontier ${at16.holdMs.toFixed(0)} ms, past the first ${SETTLE_MS / 1000} s ${at16.holdAfterSettleMs.toFixed(0)} ms (longest at ${(at16.worstHoldAtMs / 1000).toFixed(0)} s), publish ${at16.meanRate.toFixed(1)}x; a viewer at 16x (SegmentWorld over HTTP, ${((viewer16.at(-1)?.followedMs ?? 0) / 1000).toFixed(0)} s of the what-if) held ${viewer16.at(-1)?.heldMs.toFixed(0)} ms, past the first ${SETTLE_MS / 1000} s ${viewer16.at(-1)?.heldAfterSettleMs.toFixed(0)} ms, fetched ${viewer16.at(-1)?.segments} segments + ${viewer16.at(-1)?.parts} parts, ${((viewer16.at(-1)?.bytes ?? 0) / 1e6).toFixed(1)} MB of JSON`,
        );
        trace.push({
          battleId,
          decisionId: choice.decisionId,
          ackMs: t1 - t0,
          manifestMs: t2 - t1,
          firstFrameMs: t3 - t0,
          seedMs: tSeed - t2,
          serverResumesReady: st ? `${st.resumesReady}/${st.historyCheckpoints}` : null,
          workerHeapMb: st ? st.heapUsedBytes / 2 ** 20 : null,
          foldMs: t3 - tSeed,
          seeded: made,
          fromSpare,
          cold: c,
          otherRebuiltMs: procB ? (other.at(-1) ?? null) : null,
          otherRedisMs: procC ? (viaRedis.at(-1) ?? null) : null,
          otherRebuiltTiming: otherSplits.at(-1) ?? null,
          otherRedisTiming: redisSplits.at(-1) ?? null,
          ...(FORK_TRACE ? { ack: breakdowns.at(-1), otherRebuilt: otherBreakdowns.at(-1), otherRedis: redisBreakdowns.at(-1) } : {}),
        });
        // Let the worker refill the checkpoint copy this fork took (idle time between forks).
        await new Promise((r) => setTimeout(r, 1000));
      }
      watching.dispose();
      const n = frame.length;
      rows.push({
        bench: 'fork -> first frame p50',
        battle: battleId,
        value: median(frame),
        unit: 'ms',
        note: `${n} distinct forks, ${progressive} acked before complete, ${seeded} made from the held parent segment (${spared} on its spare world); p95 ${pct(frame, 95).toFixed(0)} ms`,
      });
      rows.push({
        bench: 'fork -> first frame p95',
        battle: battleId,
        value: pct(frame, 95),
        unit: 'ms',
        note: `max ${Math.max(...frame).toFixed(0)} ms; ack p50/p95 ${fmt(ack)} ms, then manifest ${fmt(manifestMs)} ms (${n - ackWithoutManifest} of ${n} in the ack), then seed + fold (fold ${fmt(foldMs)} ms)`,
      });
      rows.push({
        bench: 'fork -> first frame, client holding nothing p50',
        battle: battleId,
        value: median(ack.map((x, i) => x + manifestMs[i] + cold[i])),
        unit: 'ms',
        note: `ack + manifest + segment: fetch ${fmt(coldSteps.fetch)}, parse ${fmt(coldSteps.parse)}, unpack + fold ${fmt(coldSteps.fold)} ms (p50/p95)`,
      });
      rows.push({
        bench: 'fork -> frame 0.5 s past the fork point p50',
        battle: battleId,
        value: median(past),
        unit: 'ms',
        note: `p95 ${pct(past, 95).toFixed(0)} ms (the first part, 1 s, simulated, fetched, folded)`,
      });
      rows.push({
        bench: 'fork -> fully compiled p50',
        battle: battleId,
        value: median(full),
        unit: 'ms',
        note: `max ${Math.max(...full).toFixed(0)} ms (what a fork cost before anything played)`,
      });
      rows.push({
        bench: 'fork played at 16x while it compiles: wall time held at the frontier p50',
        battle: battleId,
        value: median(holds16),
        unit: 'ms',
        note: `held in ${holds16.filter((h) => h > 0).length} of ${holds16.length} forks, max ${Math.max(...holds16).toFixed(0)} ms; past the first ${SETTLE_MS / 1000} s of battle held in ${holdsAfterSettle.filter((h) => h > 0).length}, p50 ${median(holdsAfterSettle).toFixed(0)} ms, max ${Math.max(...holdsAfterSettle).toFixed(0)} ms; publish rate from the ack to complete p50 ${median(rate).toFixed(1)}x playback (min ${Math.min(...rate).toFixed(1)}x)`,
      });
      rows.push({
        bench: 'a viewer at 16x from the first frame (SegmentWorld over HTTP): wall time held p50',
        battle: battleId,
        value: median(viewer16.map((v) => v.heldMs)),
        unit: 'ms',
        note: `the first ${FOLLOW_MS / 1000} s of each what-if; past the first ${SETTLE_MS / 1000} s held in ${viewer16.filter((v) => v.heldAfterSettleMs > 0).length} of ${viewer16.length}, max ${Math.max(...viewer16.map((v) => v.heldAfterSettleMs)).toFixed(0)} ms; fetched p50 ${median(viewer16.map((v) => v.segments))} segments + ${median(viewer16.map((v) => v.parts))} parts, ${((median(viewer16.map((v) => v.bytes / Math.max(1, v.followedMs))) * 1000) / 1e3).toFixed(0)} KB of JSON per second of battle`,
      });
      if (other.length)
        rows.push({
          bench: 'other process: manifest + first segment served p50',
          battle: battleId,
          value: median(other),
          unit: 'ms',
          note: `p95 ${pct(other, 95).toFixed(0)} ms, max ${Math.max(...other).toFixed(0)} ms, a process of its own (SEGMENT_CACHE_MB=0) rebuilding from the room's branch record in Redis; ${clientNote(otherSplits)}`,
        });
      if (viaRedis.length)
        rows.push({
          bench: 'other process: manifest + first segment served from the Redis segment cache p50',
          battle: battleId,
          value: median(viaRedis),
          unit: 'ms',
          note: `p95 ${pct(viaRedis, 95).toFixed(0)} ms, max ${Math.max(...viaRedis).toFixed(0)} ms, a process of its own; ${clientNote(redisSplits)}`,
        });
    }
  } finally {
    for (const c of clients) c.close();
    await a.close();
    await Promise.all([procB?.close(), procC?.close(), client?.close()]);
    await redis?.close();
  }
  writeBenchJson(quick ? 'forksQuick' : 'forks', `npm run bench -- forks${quick ? ' --quick' : ''}`, rows, { trace });
  return rows;
}

/** A's Redis backend (store, adapter, clock bus, segment cache) under a fresh prefix, or null when no Redis answers. */
async function redisBackendIfAny(
  logger: Logger,
): Promise<{ backend: RedisBackend; url: string; prefix: string; close(): Promise<void> } | null> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = redisClient(url, { failFast: true });
  try {
    await probe.connect();
  } catch {
    console.warn('[forks] no Redis: the other-process cases are skipped');
    return null;
  }
  const prefix = `wardroom-bench:${randomUUID()}:`;
  const backend = await connectRedisBackend(url, prefix, logger, {}, { maxBytes: 1024 * 1024 * 1024, ttlMs: 600_000 });
  return {
    backend,
    url,
    prefix,
    async close() {
      for await (const keys of probe.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await probe.del(keys);
      await backend.close();
      await probe.close();
    },
  };
}

/**
 * `npm run bench -- forks20k`: what a fork's first segments cost at issue #14's scale, on the synthetic 20,000-unit
 * battle (tests/fixtures/bigBattle.ts has no decisions, so it cannot be forked: the same work is timed on its
 * compile). From a moment mid-battle: pack + encode the segment ending there (the fork-point segment: no
 * simulation), then simulate and encode segments of 1, 2, 4 and 10 s (the ramp cut the first three before parts).
 */
export async function benchForkSegments20k(): Promise<Row[]> {
  const { bigBattle } = await import('../fixtures/bigBattle.js');
  const { startCompile } = await import('../../replays/index.js');
  const { buildSegment } = await import('../../shared/battle/segments.js');
  const { encodeSegment, startJsonOf } = await import('../../server/timelines/segments/encode.js');
  const def = bigBattle({ durationMs: 180_000 });
  const units = def.forces.reduce((n, f) => n + f.count, 0);
  const c = startCompile(def);
  const atMs = Number(process.env.FORK20K_AT_MS ?? 40_000);
  c.advanceTo(atMs);
  const rows: Row[] = [];
  const encodeAt = (startMs: number, endMs: number): { ms: number; kb: number } => {
    const t = performance.now();
    const enc = encodeSegment(buildSegment({ battleId: def.info.id }, c.events, c.keyframes, 0, startMs, endMs));
    return { ms: performance.now() - t, kb: enc.br.byteLength / 1024 };
  };
  const first = encodeAt(atMs - 10_000, atMs);
  rows.push({
    bench: 'fork-point segment: build + encode (no simulation)',
    battle: `bigBattle ${units} units`,
    value: first.ms,
    unit: 'ms',
    note: `${first.kb.toFixed(0)} KiB brotli`,
  });
  // What a fork does instead: its parent kept the serialized start state of that segment when it compiled
  // (server/timelines/segments/Segmenter.ts); splice it in and compress at FAST effort. Same JSON, same hash.
  {
    const seg = buildSegment({ battleId: def.info.id }, c.events, c.keyframes, 0, atMs - 10_000, atMs);
    const { start: _s, ...rest } = seg;
    const startJson = startJsonOf(seg);
    const t = performance.now();
    const enc = encodeSegment({ ...rest, startJson }, true);
    const ms = performance.now() - t;
    const full = encodeSegment(seg);
    if (enc.info.hash !== full.info.hash) throw new Error('spliced segment differs from a full build');
    rows.push({
      bench: 'fork-point segment: parent start state spliced + fast encode',
      battle: `bigBattle ${units} units`,
      value: ms,
      unit: 'ms',
      note: `${(enc.br.byteLength / 1024).toFixed(0)} KiB brotli 1 (same JSON hash as the full build)`,
    });
  }
  let from = atMs;
  for (const len of [1_000, 2_000, 4_000, 10_000]) {
    const t = performance.now();
    c.advanceTo(from + len);
    const sim = performance.now() - t;
    const enc = encodeAt(from, from + len);
    rows.push({
      bench: `next segment of ${len / 1000} s: simulate + encode`,
      battle: `bigBattle ${units} units`,
      value: sim + enc.ms,
      unit: 'ms',
      note: `simulate ${sim.toFixed(0)} ms, encode ${enc.ms.toFixed(0)} ms, ${enc.kb.toFixed(0)} KiB brotli`,
    });
    from += len;
  }
  return rows;
}
