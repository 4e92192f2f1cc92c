import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

// Build client/dist once when it is missing or older than its sources. Test files run in parallel
// workers (and other suites may be serving client/dist at that moment), so the build is guarded by a
// lock directory (mkdir is atomic), goes to a scratch directory, and is then merged into client/dist
// without deleting anything: hashed assets side by side, index.html swapped in last by a rename.
// A page loaded from the previous build keeps finding its scripts and its lazily loaded worker.

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dist = join(repo, 'client/dist/index.html');
const lock = join(repo, 'node_modules/.cache/wardroom-client-build.lock');

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!existsSync(dist)) return true;
  const built = statSync(dist).mtimeMs;
  return Math.max(newestMtime(join(repo, 'client')), newestMtime(join(repo, 'shared'))) > built;
}

export async function ensureClientBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (isStale()) {
    mkdirSync(join(repo, 'node_modules/.cache'), { recursive: true });
    let locked = false;
    try {
      mkdirSync(lock);
      locked = true;
    } catch {
      // Someone else is building: a lock older than 2 minutes is left over from a crash.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone already */
      }
    }
    if (locked) {
      try {
        const scratch = join(repo, `node_modules/.cache/wardroom-client-${process.pid}`);
        await build({ configFile: join(repo, 'client/vite.config.ts'), logLevel: 'warn', build: { outDir: scratch, emptyOutDir: true } });
        const distDir = join(repo, 'client/dist');
        mkdirSync(distDir, { recursive: true });
        for (const entry of readdirSync(scratch)) {
          if (entry !== 'index.html') cpSync(join(scratch, entry), join(distDir, entry), { recursive: true });
        }
        cpSync(join(scratch, 'index.html'), join(distDir, 'index.html.next'));
        renameSync(join(distDir, 'index.html.next'), dist);
        rmSync(scratch, { recursive: true, force: true });
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error('timed out waiting for another client build');
    await new Promise((r) => setTimeout(r, 250));
  }
}
