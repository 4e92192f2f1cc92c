import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RoomClient } from '../../client/lib/roomClient.js';
import { ROOT, waitFor } from '../../deploy/processes.js';
import { until } from '../server/helpers.js';
import { clusterToolsAvailable, createRoom, localNow, socketsPerProcess, spreadClient, warm } from './support/cluster.js';

// The deployment, run for real: `npm run cluster`'s topology (redis-server, three server processes, nginx with
// the compose file's deploy/nginx.conf). A room created through the balancer plays in sync on clients spread
// over all three processes.

const BATTLE = 'battle-of-terok-nor';
const ok = clusterToolsAvailable();
let script: ChildProcess | null = null;
const clients: RoomClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  if (script && script.exitCode === null) {
    const exited = new Promise((r) => script!.once('exit', r));
    script.kill('SIGTERM'); // the script stops nginx, the servers and redis-server, then exits
    await exited;
  }
});

/** Run deploy/cluster.ts (what `npm run cluster` runs) on a free port; read its servers and balancer from stdout. */
async function bootScript(): Promise<{ url: string; servers: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'deploy/cluster.ts'], {
    cwd: ROOT,
    env: { ...process.env, CLUSTER_PORT: '0', COMPILE_ON_START: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  script = proc;
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(
    'npm run cluster',
    async () => {
      if (proc.exitCode !== null) throw new Error(`deploy/cluster.ts exited with ${proc.exitCode}: ${out}`);
      return /^balancer\s+http/m.test(out);
    },
    90_000,
  );
  const servers = [...out.matchAll(/^server\s+(http\S+)/gm)].map((m) => m[1]);
  return { url: /^balancer\s+(http\S+)/m.exec(out)![1], servers };
}

describe('docker-compose.yml', () => {
  it('validates, and its balancer uses the same nginx configuration as npm run cluster', () => {
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf');
    expect(compose).toContain('./deploy/nginx/compose:/etc/nginx/wardroom');
    const tool = ['docker-compose', 'docker'].find((t) => spawnSync(t, t === 'docker' ? ['compose', 'version'] : ['version']).status === 0);
    if (!tool) {
      if (process.env.CI === 'true') throw new Error('docker-compose is required under CI (apt-get install docker-compose)');
      console.warn('!!! docker-compose missing: compose file not validated (apt-get install docker-compose)');
      return;
    }
    const r = spawnSync(tool, [...(tool === 'docker' ? ['compose'] : []), '-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe.runIf(ok)('npm run cluster', () => {
  it('boots; a room created through the balancer plays in sync on clients spread over all three processes', async () => {
    const cluster = await bootScript();
    expect(cluster.servers).toHaveLength(3);
    await warm(cluster.servers, BATTLE);
    const { roomId, instructorKey } = await createRoom(cluster.url, BATTLE);
    const inst = spreadClient(cluster.url, 0, { roomId, name: 'Sisko', instructorKey });
    clients.push(inst);
    // The balancer's hash ring depends on the processes' (random) ports: add viewers until every process has some.
    let perProcess: number[] = [];
    for (let i = 1; i <= 11 || (perProcess.some((n) => n === 0) && i <= 40); i++) {
      clients.push(spreadClient(cluster.url, i, { roomId, name: `viewer ${i}` }));
      if (i >= 11) {
        await Promise.all(clients.map((c) => c.ready));
        perProcess = await socketsPerProcess(cluster.servers);
      }
    }
    expect(perProcess.every((n) => n > 0)).toBe(true);
    expect(perProcess.reduce((a, b) => a + b, 0)).toBe(clients.length);

    expect((await inst.seek(60_000)).ok).toBe(true);
    const played = await inst.play();
    if (!played.ok) throw new Error(played.error.message);
    await until(() => clients.every((c) => c.clock()?.version === played.clock.version), 3000, 'clock everywhere');
    // Every process streams its own sockets: wait until every client folded past the seek point.
    await waitFor('streams', async () => clients.every((c) => (c.stateNow()?.nextSeq ?? 0) > 0), 5000);
    // Played on for a while on every process (a condition on the shared position, not a sleep).
    await until(() => clients.every((c) => c.positionNow() >= 60_500), 5000, 'played 500 ms');
    const t = localNow();
    const positions = clients.map((c) => c.positionNow(t));
    expect(Math.max(...positions) - Math.min(...positions)).toBeLessThan(25);
    expect(positions[0]).toBeGreaterThan(60_000);
    const seqs = clients.map((c) => c.stateNow(t)!.nextSeq);
    expect(Math.max(...seqs) - Math.min(...seqs)).toBeLessThanOrEqual(2);
    // HTTP through the balancer reaches the same room from any process.
    const state = (await (await fetch(`${cluster.url}/api/rooms/${roomId}`)).json()) as { clock: { version: number } };
    expect(state.clock.version).toBe(played.clock.version);
    console.log(
      `[cluster] sockets per process ${perProcess.join('/')}, position spread ${(Math.max(...positions) - Math.min(...positions)).toFixed(1)} ms`,
    );
  }, 300_000); // three processes booting and compiling on a shared 2-core machine
});
