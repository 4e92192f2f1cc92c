import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withGlibcMalloc } from './malloc.js';

// The pieces of the docker-compose topology as local processes: redis-server, server processes, nginx.
// Used by `npm run cluster` (deploy/cluster.ts), tests/cluster and the multi-process benchmark.

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function reachable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('timeout', () => done(false));
    s.once('error', () => resolve(false));
    s.connect(port, host);
  });
}

export async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** nginx lives in /usr/sbin on Debian, which is not on every user's PATH. NGINX overrides. */
export const NGINX_BIN = process.env.NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

const exited = (p: ChildProcess) =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r()));

/**
 * A redis-server on a free port (never the shared one at 6379), append-only like docker-compose.yml's. `fsync`:
 * 'everysec' (the compose file's, Redis's default) or 'always' (every acknowledged write on disk before its reply;
 * the outage test's, whose Redis is SIGKILLed; it costs each write a disk flush, milliseconds on a busy disk).
 */
export class RedisServer {
  private proc: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly fsync: 'always' | 'everysec',
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(o: { fsync?: 'always' | 'everysec' } = {}): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), mkdtempSync(path.join(tmpdir(), 'wardroom-redis-')), o.fsync ?? 'everysec');
    await r.restart();
    return r;
  }

  /** (Re)start on the same port and data directory. */
  async restart(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      this.fsync,
    ];
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(`redis-server on ${this.port}`, () => reachable(this.port));
  }

  /** SIGKILL: an outage, not a clean shutdown. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    p.kill('SIGKILL');
    await exited(p);
    this.proc = null;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ServerProcess {
  port: number;
  url: string;
  proc: ChildProcess;
  /** SIGTERM (graceful) by default; SIGKILL for a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `server/index.ts` as its own Node process (what one compose `app` service runs), ready when /healthz is 200. */
export async function startServer(env: Record<string, string>, log?: (line: string) => void): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: withGlibcMalloc({ ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (b: Buffer) => log?.(`[server :${port}] ${b.toString().trimEnd()}`);
  proc.stdout?.on('data', forward);
  proc.stderr?.on('data', forward);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    `server on ${port}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`server on ${port} exited with ${proc.exitCode}`);
      return (await fetch(`${url}/healthz`)).status === 200;
    },
    60_000,
  );
  return {
    port,
    url,
    proc,
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      await exited(proc);
    },
  };
}

export interface Nginx {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/**
 * nginx with deploy/nginx.conf itself (symlinked, so conf-relative includes resolve in a temp prefix): only the
 * three wardroom/*.conf files are generated here, the compose ones live in deploy/nginx/compose/.
 */
export async function startNginx(upstreams: number[], port?: number, log?: (line: string) => void): Promise<Nginx> {
  const listen = port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), 'wardroom-nginx-'));
  chmodSync(dir, 0o755); // nginx's workers (another user when started as root) create temp files below
  mkdirSync(path.join(dir, 'wardroom'));
  mkdirSync(path.join(dir, 'logs'));
  symlinkSync(path.join(ROOT, 'deploy', 'nginx.conf'), path.join(dir, 'nginx.conf'));
  const w = (name: string, text: string) =>
    writeFileSync(path.join(dir, 'wardroom', name), `# generated by deploy/processes.ts\n${text}\n`);
  w('upstream.conf', upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n'));
  w('listen.conf', `listen 127.0.0.1:${listen};`);
  w('local.conf', ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${path.join(dir, k)};`).join('\n'));
  const proc = spawn(
    NGINX_BIN,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr', '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const forward = (b: Buffer) => log?.(`[nginx] ${b.toString().trimEnd()}`);
  proc.stdout?.on('data', forward);
  proc.stderr?.on('data', forward);
  await waitFor(`nginx on ${listen}`, async () => {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}`);
    return reachable(listen);
  });
  return {
    port: listen,
    url: `http://127.0.0.1:${listen}`,
    async stop() {
      proc.kill('SIGTERM');
      await exited(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
