import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { now, sleep } from './time.js';
import { cpuMinus, cpuOf, type CpuGroups } from './procCpu.js';
import type { ViewerHost } from './viewerHosts.js';

// The cluster bench's bare control (tests/bench/bareServer.ts): the same viewers, rooms, hosts and clock bytes,
// with no Wardroom code in the servers, so the difference between one and three processes that socket.io, Redis
// and this machine cost by themselves is measured in the same run as Wardroom's.

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bareServer.ts');

export interface BareServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startBare(env: Record<string, string>): Promise<BareServer> {
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve(m.port));
    proc.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** Receipts split like the real drive: all, on the instructor's process, on the others; each seek's last receipt. */
export interface BareMeasured {
  seekMs: number[];
  sameMs: number[];
  otherMs: number[];
  lastMs: number[];
  /** CPU ms per seek by process group over the seek loop (see procCpu.ts). */
  cpu: Record<string, number>;
}

/** A clock like the server's (the same bytes on the wire). */
const clockAt = (positionMs: number, version: number) => ({
  state: 'paused',
  positionMs,
  rate: 1,
  serverTime: Date.now(),
  version,
  durationMs: 492_000,
  reason: 'seek',
});

/** The real drive's rooms and seeks (tests/bench/cluster.ts), against bare servers. */
export async function driveBare(
  urls: string[],
  c: { rooms: number; viewersPerRoom: number; seeks: number },
  hosts: ViewerHost[],
  mode: 'adapter' | 'cas' = 'cas',
  o: { keyframe?: boolean; cpu?: CpuGroups } = {},
): Promise<BareMeasured> {
  const rooms: { roomId: string; inst: Socket; instUrl: string; viewers: number[] }[] = [];
  const home = new Map<number, string>();
  let k = 0;
  for (let r = 0; r < c.rooms; r++) {
    const roomId = `bare${r}${Math.random().toString(36).slice(2, 8)}`;
    const instUrl = urls[k++ % urls.length];
    const inst = io(instUrl, { forceNew: true, transports: ['websocket'] });
    const joins: Promise<unknown>[] = [new Promise<void>((resolve) => inst.emit('bare:join', roomId, () => resolve()))];
    const viewers: number[] = [];
    for (let i = 0; i < c.viewersPerRoom; i++, k++) {
      home.set(k, urls[k % urls.length]);
      viewers.push(k);
      joins.push(hosts[k % hosts.length].join(k, urls[k % urls.length], roomId, `v${i}`, true));
    }
    await Promise.all(joins);
    rooms.push({ roomId, inst, instUrl, viewers });
  }
  await sleep(500);
  const out: BareMeasured = { seekMs: [], sameMs: [], otherMs: [], lastMs: [], cpu: {} };
  const groups: CpuGroups = { ...o.cpu, hosts: hosts.map((h) => h.pid) };
  const cpu0 = cpuOf(groups);
  for (let s = 0; s < c.seeks; s++) {
    const { roomId, inst, instUrl, viewers } = rooms[s % rooms.length];
    const got = new Map<number, number>();
    const target = 60_000 + s * 7_000;
    await Promise.all(hosts.map((h) => h.watch(1_000_000 + s, roomId, target, (id, t) => got.set(id, t))));
    const sent = now();
    await new Promise<void>((resolve) =>
      inst.emit('bare:seek', { roomId, clock: clockAt(target, s + 2), mode, keyframe: o.keyframe }, () => resolve()),
    );
    const deadline = Date.now() + 5000;
    while (got.size < viewers.length && Date.now() < deadline) await sleep(2);
    for (const h of hosts) h.unwatch(1_000_000 + s);
    for (const [id, t] of got) {
      out.seekMs.push(t - sent);
      (home.get(id) === instUrl ? out.sameMs : out.otherMs).push(t - sent);
    }
    if (got.size) out.lastMs.push(Math.max(...got.values()) - sent);
    await sleep(250); // the real drive's play after each seek and its pause
  }
  out.cpu = Object.fromEntries(Object.entries(cpuMinus(cpuOf(groups), cpu0)).map(([k, v]) => [k, v / c.seeks]));
  for (const r of rooms) r.inst.close();
  return out;
}
