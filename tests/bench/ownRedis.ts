import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

// A private redis-server for benchmarks that read INFO (the shared one at 6379 carries other tests' traffic).

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const end = Date.now() + 5000;
  for (;;) {
    const c = createClient({ url, socket: { reconnectStrategy: false } });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.close();
      break;
    } catch {
      if (Date.now() > end) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** Total command calls since the last CONFIG RESETSTAT, and the busiest commands. */
export async function commandStats(url: string): Promise<{ total: number; top: [string, number][] }> {
  const c = createClient({ url });
  await c.connect();
  const info = await c.info('commandstats');
  await c.close();
  const calls: [string, number][] = [];
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (m && m[1] !== 'info' && m[1] !== 'config') calls.push([m[1], Number(m[2])]);
  }
  calls.sort((a, b) => b[1] - a[1]);
  return { total: calls.reduce((s, [, n]) => s + n, 0), top: calls.slice(0, 6) };
}

export async function resetStats(url: string): Promise<void> {
  const c = createClient({ url });
  await c.connect();
  await c.configResetStat();
  await c.close();
}
