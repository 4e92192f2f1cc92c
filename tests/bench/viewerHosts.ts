import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';
import type { HostReply, HostRequest } from './viewerHost.js';
import { now } from './time.js';

const HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'viewerHost.ts');

/** A viewer host child process seen from the driver. */
export class ViewerHost {
  private readonly waiting = new Map<string, (m: HostReply) => void>();
  private onGot: ((m: Extract<HostReply, { type: 'got' }>) => void) | null = null;
  /** A probe message heard on Redis (`listen`), in DRIVER time. */
  onHeard: ((n: number, t: number) => void) | null = null;
  /** host time - driver time (ms), from the fastest of several IPC round trips. */
  offsetMs = 0;
  rttMs = 0;

  private constructor(private readonly proc: ChildProcess) {
    proc.on('message', (m: HostReply) => {
      if (m.type === 'got') return this.onGot?.(m);
      if (m.type === 'heard') return this.onHeard?.(m.n, m.t - this.offsetMs);
      if (m.type === 'error') throw new Error(`viewer host: ${m.message}`);
      const key =
        m.type === 'joined'
          ? `joined:${m.id}`
          : m.type === 'armed'
            ? `armed:${m.seekId}`
            : m.type === 'listening'
              ? 'listening'
              : `time:${m.probe}`;
      this.waiting.get(key)?.(m);
      this.waiting.delete(key);
    });
  }

  /** The host process's pid (CPU accounting). */
  get pid(): number {
    return this.proc.pid ?? 0;
  }

  static async start(): Promise<ViewerHost> {
    const proc = spawn(process.execPath, ['--import', 'tsx', HOST], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const host = new ViewerHost(proc);
    await host.measureOffset();
    return host;
  }

  private ask<T extends HostReply>(key: string, m: HostRequest): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.set(key, (r) => resolve(r as T));
      this.proc.send(m);
    });
  }

  /** NTP-style: offset from the round trip with the smallest delay (processes' clocks agree closely on one machine; this checks it). */
  async measureOffset(samples = 25): Promise<void> {
    let best = { rtt: Infinity, offset: 0 };
    for (let i = 0; i < samples; i++) {
      const t0 = now();
      const r = await this.ask<Extract<HostReply, { type: 'time' }>>(`time:${i}`, { type: 'time', probe: i });
      const t1 = now();
      if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: r.t - (t0 + t1) / 2 };
    }
    this.offsetMs = best.offset;
    this.rttMs = best.rtt;
  }

  join(id: number, url: string, roomId: string, name: string, bare = false): Promise<unknown> {
    return this.ask(`joined:${id}`, { type: 'join', id, url, roomId, name, bare });
  }

  /** Arm the clock watch of this host's viewers in a room; `got` receives receipts in DRIVER time. */
  watch(seekId: number, roomId: string, positionMs: number, got: (id: number, t: number) => void): Promise<unknown> {
    this.onGot = (m) => {
      if (m.seekId === seekId) got(m.id, m.t - this.offsetMs);
    };
    return this.ask(`armed:${seekId}`, { type: 'watch', seekId, roomId, positionMs });
  }

  /** Subscribe this host to a Redis channel (see `onHeard`). */
  listen(url: string, channel: string): Promise<unknown> {
    return this.ask('listening', { type: 'listen', url, channel });
  }

  unwatch(seekId: number): void {
    this.proc.send({ type: 'unwatch', seekId } satisfies HostRequest);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.send({ type: 'close' } satisfies HostRequest);
    });
  }
}

export const offsetsNote = (hosts: ViewerHost[]): string =>
  `host clock offsets ${hosts.map((h) => h.offsetMs.toFixed(2)).join(' / ')} ms (IPC rtt ${median(hosts.map((h) => h.rttMs)).toFixed(2)} ms)`;
