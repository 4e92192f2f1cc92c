import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pct, type Row } from './stats.js';
import { writeBenchSection } from './benchJson.js';

// `npm run bench -- scale [--quick]`: seek -> every viewer, with light viewers (raw websockets speaking socket.io,
// tests/bench/scale/lightSocket.ts) in a second process, N viewers in R rooms, every instructor seeking once a
// second. Three servers side by side in one run, each in its own process, one after the other on the same cases:
//   - wardroom/segments: viewers join with delivery 'segments' (the socket carries the clock only);
//   - wardroom/socket: the default socket delivery (keyframe to the room on every seek, event batches);
//   - floor: a bare socket.io server sending the bytes socket delivery sends (tests/bench/scale/server.ts).
// Figures go to stdout, docs/benchmarks.json ("scale"; "scaleQuick" for --quick) and, by hand, docs/benchmarks.md.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DS9 = 'second-battle-of-deep-space-9';
const CARDASSIA = 'battle-of-cardassia';

interface Case {
  battle: string;
  viewers: number;
  rooms: number;
  seconds: number;
}
type Kind = 'wardroom/segments' | 'wardroom/socket' | 'floor';

export interface ScaleResult extends Case {
  server: Kind;
  seeks: number;
  /** receipt of the seek's clock, ms after clock.serverTime, over every viewer and seek */
  clockP50: number;
  clockP99: number;
  /** socket delivery: receipt of the keyframe after the seek (the world is ready); segments: = clock */
  worldP50: number;
  worldP99: number;
  missing: number;
  joinMs: number;
  bytesPerViewerPerSeek: number;
  rssPerViewerKB: number;
  /**
   * The same after SETTLE_MS of quiet: what the viewers hold, without the join storm's freed memory the process has
   * not handed back yet (V8 and malloc release freed pages lazily; docs/benchmarks.md, "viewerrss").
   */
  rssPerViewerSettledKB: number;
  /** Server RSS after the seeks minus after the joins: what the seeking itself retains (e.g. broadcasts kept for recovery). */
  rssGrowthDuringSeeksMB: number;
}

const CASES_FULL: Case[] = [
  { battle: DS9, viewers: 3000, rooms: 30, seconds: 10 },
  { battle: CARDASSIA, viewers: 300, rooms: 3, seconds: 10 },
  { battle: DS9, viewers: 10_000, rooms: 100, seconds: 10 },
];
// Quick: a smoke run of every part (Terok Nor compiles in 0.2 s, so three servers start well inside a minute).
const CASES_QUICK: Case[] = [{ battle: 'battle-of-terok-nor', viewers: 200, rooms: 4, seconds: 2 }];

/** Quiet time after the joins before the settled RSS reading. */
const SETTLE_MS = 5000;

const children = new Set<ChildProcess>();
function child(script: string, args: string[]): ChildProcess {
  const p = fork(path.join(HERE, 'scale', script), args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(p);
  p.once('exit', () => children.delete(p));
  return p;
}

function next<T>(p: ChildProcess, type: string, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      p.off('message', on);
      resolve(m as T);
    };
    p.on('message', on);
    p.once('exit', (code) => reject(new Error(`child exited (${code}) waiting for ${type}`)));
  });
}

interface Started {
  kind: Kind;
  server: ChildProcess;
  url: string;
  rooms: { roomId: string; instructorKey: string }[];
}

/** Start a server and create its rooms (compiling the battle): done for all three at once, before any is measured. */
async function start(kind: Kind, c: Case): Promise<Started> {
  const server = child('server.ts', [kind === 'floor' ? 'floor' : 'wardroom']);
  const { port } = await next<{ port: number }>(server, 'ready');
  const url = `http://127.0.0.1:${port}`;
  const rooms: { roomId: string; instructorKey: string }[] = [];
  for (let i = 0; i < c.rooms; i++) {
    const res = await fetch(`${url}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ battleId: c.battle }),
    });
    rooms.push((await res.json()) as { roomId: string; instructorKey: string });
  }
  return { kind, server, url, rooms };
}

async function runOne(s: Started, c: Case, viewers: ChildProcess): Promise<ScaleResult> {
  const { kind, server, url, rooms } = s;
  try {
    const rss = async () => {
      server.send({ type: 'rss' });
      return (await next<{ rss: number }>(server, 'rss')).rss;
    };
    const rss0 = await rss();
    viewers.send({
      type: 'join',
      url,
      rooms,
      perRoom: Math.round(c.viewers / c.rooms),
      delivery: kind === 'wardroom/segments' ? 'segments' : 'socket',
    });
    const { joinMs } = await next<{ joinMs: number }>(viewers, 'joined');
    const rss1 = await rss();
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rss1settled = await rss();
    viewers.send({ type: 'seek', seconds: c.seconds });
    const r = await next<{
      seeks: number;
      clockDelays: number[];
      worldDelays: number[];
      missingKeyframes: number;
      missingClocks: number;
      bytesPerViewerPerSeek: number;
    }>(viewers, 'seeked');
    const rss2 = await rss();
    const world = kind === 'wardroom/segments' ? r.clockDelays : r.worldDelays;
    return {
      ...c,
      server: kind,
      seeks: r.seeks,
      clockP50: pct(r.clockDelays, 50),
      clockP99: pct(r.clockDelays, 99),
      worldP50: pct(world, 50),
      worldP99: pct(world, 99),
      missing: r.missingClocks + r.missingKeyframes,
      joinMs,
      bytesPerViewerPerSeek: Math.round(r.bytesPerViewerPerSeek),
      rssPerViewerKB: Math.round((rss1 - rss0) / 1024 / c.viewers),
      rssPerViewerSettledKB: Math.round((rss1settled - rss0) / 1024 / c.viewers),
      rssGrowthDuringSeeksMB: Math.round((rss2 - rss1) / 1024 / 1024),
    };
  } finally {
    viewers.send({ type: 'reset' });
    await next(viewers, 'reset', 10_000).catch(() => {});
    server.kill('SIGKILL');
  }
}

export async function benchScale(quick: boolean): Promise<Row[]> {
  const results: ScaleResult[] = [];
  // One viewers process for the whole run (reset between servers): its start-up is paid once.
  const viewers = child('viewers.ts', []);
  await next(viewers, 'up');
  try {
    for (const c of cases(quick)) {
      const servers = await Promise.all(kinds().map((k) => start(k, c)));
      for (const srv of servers) {
        const kind = srv.kind;
        const r = await runOne(srv, c, viewers);
        results.push(r);
        console.error(
          `[scale] ${kind} ${c.battle} ${c.viewers}/${c.rooms}: world p50 ${r.worldP50} p99 ${r.worldP99} ms, join ${r.joinMs} ms`,
        );
      }
    }
  } finally {
    viewers.send({ type: 'exit' });
    await new Promise((r) => setTimeout(r, 200));
    for (const p of children) p.kill('SIGKILL'); // whatever a failure left running
  }
  if (!process.env.SCALE_CASES && !process.env.SCALE_SERVERS) writeJson(results, quick);
  return results.map((r) => ({
    bench: `scale ${r.viewers} viewers / ${r.rooms} rooms: ${r.server}`,
    battle: r.battle,
    value: r.worldP99,
    unit: 'ms p99 seek->world',
    note:
      `p50 ${r.worldP50} ms (clock alone p50/p99 ${r.clockP50}/${r.clockP99} ms), join ${r.joinMs} ms, ` +
      `${(r.bytesPerViewerPerSeek / 1024).toFixed(1)} KiB/viewer/seek, ${r.rssPerViewerKB} KiB RSS/viewer (${r.rssPerViewerSettledKB} settled) ` +
      `(+${r.rssGrowthDuringSeeksMB} MB while seeking), ${r.seeks} seeks, missing ${r.missing}`,
  }));
}

/** SCALE_CASES="battle:viewers:rooms:seconds,..." replaces the cases (a partial run writes no JSON). */
function cases(quick: boolean): Case[] {
  const env = process.env.SCALE_CASES;
  if (!env) return quick ? CASES_QUICK : CASES_FULL;
  return env.split(',').map((x) => {
    const [battle, viewers, rooms, seconds] = x.split(':');
    return { battle, viewers: Number(viewers), rooms: Number(rooms), seconds: Number(seconds ?? 10) };
  });
}

/** SCALE_SERVERS="wardroom/segments,floor" runs only those servers. */
function kinds(): Kind[] {
  const all: Kind[] = ['wardroom/segments', 'wardroom/socket', 'floor'];
  const env = process.env.SCALE_SERVERS;
  return env ? all.filter((k) => env.split(',').includes(k)) : all;
}

/** docs/benchmarks.json: the full run under "scale", a quick run under "scaleQuick" (so a smoke run never replaces the figures). */
function writeJson(results: ScaleResult[], quick: boolean): void {
  writeBenchSection(quick ? 'scaleQuick' : 'scale', `npm run bench -- scale${quick ? ' --quick' : ''}`, {
    note: 'light viewers in a second process; seek->world = receipt minus clock.serverTime (socket delivery: of the keyframe after the clock)',
    results,
  });
}
