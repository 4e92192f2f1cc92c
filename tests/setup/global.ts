import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort, reachable } from '../../deploy/processes.js';

// Runs once before the test workers start (they inherit process.env). It finds Redis — REDIS_URL, else
// 127.0.0.1:6379, else a redis-server it starts on a free port — and says ONCE, loudly, what is missing.
// Under CI=true a missing Redis or Chromium fails the run; elsewhere the tests that need them skip.

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let started: ChildProcess | null = null;

export default async function setup(): Promise<() => void> {
  const missing: string[] = [];
  if (!process.env.REDIS_URL && !(await reachable(6379))) {
    if (spawnSync('redis-server', ['--version']).status === 0) {
      const port = await freePort();
      started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 50 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 100));
      process.env.REDIS_URL = `redis://127.0.0.1:${port}`;
      console.log(`[tests] started redis-server on ${process.env.REDIS_URL}`);
    } else missing.push('redis-server');
  }
  if (!existsSync(CHROMIUM_PATH)) missing.push('chromium');
  if (missing.length) {
    const line = `!!! MISSING ${missing.join(' and ')}: the tests that need them ${process.env.CI === 'true' ? 'FAIL under CI' : 'are SKIPPED'}. Install: apt-get install redis-server chromium`;
    console.warn(`\n${line}\n`);
    // Tell the workers the warning was given, so they skip quietly instead of repeating it per file.
    process.env.WARDROOM_MISSING_WARNED = missing.join(',');
  }
  return () => {
    started?.kill();
  };
}
