import { fork as forkProcess, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { RoomState } from '../../shared/protocol/events.js';
import { LightSocket } from './scale/lightSocket.js';
import { BATTLE, distinctPaths } from './forkloadVariant.js';
import { writeBenchJson } from './benchJson.js';
import type { Row } from './stats.js';
import { createRoom } from './rooms.js';
import { sleep } from './time.js';
import { GLIBC_MALLOC } from '../../deploy/malloc.js';

// #13 item 1: many Cardassia forks from several rooms while those rooms play (socket delivery, a few viewers
// each: light raw-websocket clients in their own process, forkloadViewers.ts, so the clients do not take the cores
// the server needs; instructors are light sockets here). Measures peak RSS against the configured bounds (TIMELINE_CACHE_MB + CHECKPOINT_CACHE_MB + 300 MB)
// and the main thread's event-loop lag (p99), i.e. whether playback keeps being served. Forks past the
// per-room/address quotas are refused with RATE_LIMITED and retried after the time the refusal names. The server
// runs in its own process (forkloadServer.ts): RSS and loop lag are the server's, not the clients'. Every fork
// request makes a new, distinct branch (forkloadVariant.ts: finer quantities, and chains of two decisions).

interface Report {
  port?: number;
  rss: number;
  rssPeak?: number;
  lagP50?: number;
  lagP99?: number;
  lagMax?: number;
  /** The main thread's own CPU between two ticks of a 10 ms timer (forkloadServer.ts): largest, and how many >= 50 ms. */
  mainCpuStepMax?: number;
  mainCpuStepsOver50?: number;
  mainCpuTicks?: number;
  /** Memory by part at the largest RSS sampled (forkloadServer.ts). */
  atPeak?: Record<string, number>;
  /** The server process's CPU (both threads), its main thread's, and the worker's branches compiled from t = 0. */
  cpuMs?: number;
  mainCpuMs?: number;
  compiledFromZero?: number;
}

function ask(child: ChildProcess, msg: string): Promise<Report> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Report));
    child.send(msg);
  });
}

export async function benchForkLoad(quick: boolean): Promise<Row[]> {
  let closed = false;
  // The server's defaults for a deployment with Cardassia: the worker's heap needs CHECKPOINT_CACHE_MB 512 (its cap
  // is the budget + 128 MB, WorkerTimelineService; at 256 the pinned histories and one 22,401-unit fork overran it). Overridable to probe.
  const timelineMb = Number(process.env.FORKLOAD_TIMELINE_MB ?? 128);
  const checkpointMb = Number(process.env.FORKLOAD_CHECKPOINT_MB ?? 512);
  // FORKLOAD_ROOMS / FORKLOAD_FORKS: a run between quick (3 / 9) and full (10 / 200), e.g. to see the peak stay flat.
  const rooms = Number(process.env.FORKLOAD_ROOMS ?? (quick ? 3 : 10));
  const forks = Number(process.env.FORKLOAD_FORKS ?? (quick ? 9 : 200));
  const viewersPerRoom = Number(process.env.FORKLOAD_VIEWERS ?? (quick ? 3 : 10));
  // Socket delivery (the library default): every room needs each fork's whole timeline on the main thread, the
  // heavier case for the server. FORKLOAD_DELIVERY=segments: the browser app's delivery (the light viewers fetch the
  // manifest and the segment at the play head over HTTP; forkloadViewers.ts).
  const delivery = process.env.FORKLOAD_DELIVERY === 'segments' ? 'segments' : 'socket';
  const server = fileURLToPath(new URL('./forkloadServer.ts', import.meta.url));
  // glibc's malloc as every launcher sets it (deploy/malloc.ts); FORKLOAD_MALLOC=default runs glibc's defaults.
  const malloc = process.env.FORKLOAD_MALLOC === 'default' ? {} : GLIBC_MALLOC;
  const child = forkProcess(server, [String(timelineMb), String(checkpointMb)], {
    env: { ...process.env, ...malloc },
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The viewers in a third process, light (forkloadViewers.ts): joined and receiving, nothing folded.
  const viewerProc = forkProcess(fileURLToPath(new URL('./forkloadViewers.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const viewerUp = new Promise((resolve) => viewerProc.once('message', resolve));
  const started = await new Promise<Report>((resolve) => child.once('message', (m) => resolve(m as Report)));
  const url = `http://127.0.0.1:${started.port}`;
  const instructors: LightSocket[] = [];
  const all = distinctPaths(forks);
  const made = new Set<string>();
  const rssStart = started.rss;
  let refused = 0;
  let done = 0;
  let retrySleepMs = 0;
  const benchCpu0 = process.cpuUsage();
  let viewerCounts: Record<string, number> = {};
  try {
    const tSetup = performance.now();
    await fetch(`${url}/api/battles/${BATTLE}`); // compiles history (a server does it at startup)
    await viewerUp;
    // Instructors are light sockets too (this process forks and switches; it decodes only the acks).
    type Ack<T> = { ok: true } & T;
    type Refusal = { ok: false; error: { code: string; message: string } };
    const call = async <T>(s: LightSocket, event: string, payload: unknown): Promise<Ack<T>> => {
      const r = await s.call<Ack<T> | Refusal>(event, payload);
      if (!r.ok) throw new Error(`${event}: ${r.error.code} ${r.error.message}`);
      return r;
    };
    const roomIds: string[] = [];
    const setups = await Promise.all(
      Array.from({ length: rooms }, async () => {
        const { roomId, instructorKey } = await createRoom(url, BATTLE);
        roomIds.push(roomId);
        const inst = await LightSocket.connect(url, {
          onClose: (code) => closed || console.error(`[forkload] instructor of ${roomId} disconnected: ${code}`),
        });
        instructors.push(inst);
        const joined = await call<{ room: RoomState }>(inst, 'room:join', { roomId, name: 'inst', instructorKey, delivery });
        return { inst, roomId, history: joined.room.branchId };
      }),
    );
    const joinedViewers = new Promise<void>((resolve, reject) =>
      viewerProc.once('message', (m: { type: string; message?: string }) =>
        m.type === 'joined' ? resolve() : reject(new Error(`viewers: ${m.message}`)),
      ),
    );
    viewerProc.send({ type: 'join', url, battleId: BATTLE, rooms: roomIds, perRoom: viewersPerRoom, delivery });
    await joinedViewers;
    await Promise.all(setups.map(({ inst }) => call(inst, 'playback:play', {})));
    console.error(`[forkload] rooms joined and playing in ${((performance.now() - tSetup) / 1000).toFixed(0)} s`);
    child.send('lag:start');
    const t0 = performance.now();
    /** Fork, retrying after the time a RATE_LIMITED refusal names. */
    const fork = async (inst: LightSocket, c: DecisionChoice): Promise<string> => {
      const asked = performance.now();
      for (let tries = 0; ; tries++) {
        const r = await inst.call<Ack<{ branch: { branchId: string } }> | Refusal>('branch:fork', c);
        if (r.ok) {
          if (process.env.FORKLOAD_TRACE)
            console.error(
              `[forkload] fork ${r.branch.branchId.slice(0, 8)} acked at ${((performance.now() - t0) / 1000).toFixed(1)} s after ${((performance.now() - asked) / 1000).toFixed(1)} s, ${tries} retries`,
            );
          return r.branch.branchId;
        }
        if (r.error.code !== 'RATE_LIMITED') throw new Error(r.error.message);
        refused++;
        const ms = Number(/retryAfterMs=(\d+)/.exec(r.error.message)?.[1] ?? 1000);
        retrySleepMs += ms;
        await sleep(ms);
      }
    };
    // Room r takes paths r, r + rooms, ... A two-step path forks its first step (the path before it, another
    // room's: compiled once, shared by branch id) then the second from there: one new branch per path.
    // A failed fork (e.g. an instructor cut off by a ping timeout while the server's main thread stalled) ends the
    // run, but the memory and lag figures up to then are still reported, with what stopped it.
    let stoppedBy = '';
    await Promise.all(
      setups.map(async ({ inst, history }, r) => {
        for (let k = r; k < all.length; k += rooms) {
          const path = all[k];
          if (path.length === 2) {
            const first = await fork(inst, path[0]);
            await call(inst, 'branch:switch', { branchId: first });
            made.add(await fork(inst, path[1]));
            await call(inst, 'branch:switch', { branchId: history });
          } else made.add(await fork(inst, path[0]));
          done++;
        }
      }),
    ).catch((err: unknown) => {
      stoppedBy = err instanceof Error ? err.message : String(err);
      console.error(`[forkload] stopped early: ${stoppedBy}`);
    });
    const wall = performance.now() - t0;
    const r = await ask(child, 'report');
    viewerCounts = await new Promise((resolve) => {
      viewerProc.once('message', (m: Record<string, number>) => resolve(m));
      viewerProc.send({ type: 'report' });
    });
    console.error(`[forkload] viewers received: ${JSON.stringify(viewerCounts)}`);
    const benchCpu = process.cpuUsage(benchCpu0);
    console.error(
      `[forkload] wall ${(wall / 1000).toFixed(0)} s for ${done} forks (${(wall / 1000 / Math.max(1, done)).toFixed(1)} s each); server CPU ${((r.cpuMs ?? 0) / 1000).toFixed(0)} s (main thread ${((r.mainCpuMs ?? 0) / 1000).toFixed(0)} s), bench process CPU ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(0)} s; worker compiledFromZero ${r.compiledFromZero}; ${refused} RATE_LIMITED retries sleeping ${(retrySleepMs / 1000).toFixed(0)} s in all`,
    );
    const mb = (b: number) => b / 1e6;
    const bound = timelineMb + checkpointMb + 300;
    const rows: Row[] = [
      {
        bench: 'fork load: server peak RSS',
        battle: BATTLE,
        value: mb(r.rssPeak ?? 0),
        unit: 'MB',
        note: `${done} forks, ${made.size} distinct branches, ${rooms} rooms playing (${delivery} delivery), ${refused} RATE_LIMITED retries; bound ${bound} MB (${timelineMb} + ${checkpointMb} + 300); start ${mb(rssStart).toFixed(0)} MB, end ${mb(r.rss).toFixed(0)} MB`,
      },
      {
        bench: 'fork load: server loop lag p99',
        battle: BATTLE,
        value: r.lagP99 ?? 0,
        unit: 'ms',
        note: `p50 ${(r.lagP50 ?? 0).toFixed(1)} ms, max ${(r.lagMax ?? 0).toFixed(0)} ms, over ${(wall / 1000).toFixed(0)} s; main thread's own CPU between 10 ms ticks: max ${r.mainCpuStepMax ?? 0} ms, ${r.mainCpuStepsOver50 ?? 0} of ${r.mainCpuTicks ?? 0} ticks >= 50 ms${stoppedBy ? `; STOPPED EARLY: ${stoppedBy}` : ''}`,
      },
    ];
    const parts = Object.entries(r.atPeak ?? {})
      .map(
        ([k, v]) =>
          `${k} ${/Heap|Bytes|rss|external|External|arrayBuffers|segmentStore|Catalog|StartStates/.test(k) ? `${mb(v).toFixed(0)} MB` : v}`,
      )
      .join(', ');
    rows.push({ bench: 'fork load: memory by part at peak RSS', battle: BATTLE, value: mb(r.atPeak?.rss ?? 0), unit: 'MB', note: parts });
    console.error(`[forkload] at peak: ${parts}`);
    const goals = { rssBoundMb: bound, rssMet: mb(r.rssPeak ?? 0) < bound, lagP99TargetMs: 50, lagMet: (r.lagP99 ?? 0) <= 50 };
    console.error(
      `[forkload] ${made.size} distinct forks; RSS ${goals.rssMet ? 'met' : 'MISSED'}, loop lag ${goals.lagMet ? 'met' : 'MISSED'}`,
    );
    writeBenchJson(quick ? 'forkloadQuick' : 'forkload', `npm run bench -- forkload${quick ? ' --quick' : ''}`, rows, {
      rooms,
      forks: done,
      distinct: made.size,
      delivery,
      viewers: viewerCounts,
      stoppedBy: stoppedBy || undefined,
      atPeak: r.atPeak,
      goals,
    });
    return rows;
  } finally {
    closed = true;
    for (const s of instructors) s.close();
    viewerProc.send({ type: 'exit' });
    child.send('exit');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
