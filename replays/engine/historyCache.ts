import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { threadId } from 'node:worker_threads';
import type { CompiledBranch } from './compiler.js';

// Compiled histories on disk, so a process that needs a battle's history reads it instead of compiling it
// again (Cardassia: ~15 s of CPU to compile, a third of that to read back). A file is keyed on the branch id
// AND a digest of every source the compile can depend on (replays/, shared/, the lockfile): an edited battle,
// engine or dependency gets a new key, so a stale timeline is never read. Used by the test suite and by
// servers given HISTORY_CACHE_DIR; without a directory nothing is cached.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['replays', 'shared'];
const SOURCE_FILES = ['package-lock.json'];
/** Files kept per battle (other source versions: other worktrees, recent edits); older ones are removed. */
const KEEP_PER_BATTLE = 3;

let digest: string | null | undefined;

function listFiles(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** sha256 over the path and bytes of every compile source; null when the sources are not on disk (a bundle). */
export function sourcesDigest(): string | null {
  if (digest !== undefined) return digest;
  try {
    const files: string[] = SOURCE_FILES.map((f) => join(ROOT, f));
    for (const d of SOURCE_DIRS) listFiles(join(ROOT, d), files);
    const h = createHash('sha256');
    for (const f of files.sort()) h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
    digest = h.digest('hex');
  } catch {
    digest = null;
  }
  return digest;
}

export class HistoryCache {
  constructor(readonly dir: string) {}

  private file(battleId: string, branchId: string): string | null {
    const d = sourcesDigest();
    if (!d) return null;
    const key = createHash('sha256').update(d).update('\0').update(branchId).digest('hex').slice(0, 24);
    return join(this.dir, `${battleId}.${key}.v8`);
  }

  /** The history compiled earlier from these very sources, or undefined (absent, unreadable, not that branch). */
  get(battleId: string, branchId: string): CompiledBranch | undefined {
    const f = this.file(battleId, branchId);
    if (!f) return undefined;
    try {
      const b = deserialize(readFileSync(f)) as CompiledBranch;
      return b.timeline?.branchId === branchId && b.timeline.battleId === battleId ? b : undefined;
    } catch {
      return undefined;
    }
  }

  /** Store a history (atomically: written aside, then renamed), and drop this battle's oldest files. Best effort. */
  put(b: CompiledBranch): void {
    const { battleId, branchId } = b.timeline;
    const f = this.file(battleId, branchId);
    if (!f) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${f}.${process.pid}.${threadId}.tmp`; // one writer per thread: no clash
      writeFileSync(tmp, serialize(b));
      renameSync(tmp, f);
      const mine = readdirSync(this.dir)
        .filter((n) => n.startsWith(`${battleId}.`) && n.endsWith('.v8'))
        .map((n) => ({ p: join(this.dir, n), t: statSync(join(this.dir, n)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      for (const old of mine.slice(KEEP_PER_BATTLE)) rmSync(old.p, { force: true });
    } catch {
      // A cache: a failed write only means the next process compiles again.
    }
  }
}
