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
//
// v8.deserialize trusts its input, and a file may be truncated (a full disk, a killed writer on another file
// system) or altered. So a file is a header (MAGIC, then the SHA-256 of the payload) and the payload; a read
// checks the hash before deserializing and the shape after, and anything wrong is a miss (the caller compiles,
// and its put() replaces the file), warned about once per file, never an exception.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['replays', 'shared'];
const SOURCE_FILES = ['package-lock.json'];
/** Files kept per battle (other source versions: other worktrees, recent edits); older ones are removed. */
const KEEP_PER_BATTLE = 3;
/** File format marker (and version): a file without it is not read. */
const MAGIC = Buffer.from('WRHC1\n');
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + HASH_BYTES;

/** Files already warned about (one warning per bad file and process). */
const warned = new Set<string>();

/** Default: one warning on stderr per bad file (replays/ has no logger of its own). */
function warnOnce(file: string, reason: string): void {
  if (warned.has(file)) return;
  warned.add(file);
  console.warn(`history cache: ignoring ${file} (${reason}); compiling instead`);
}

/** The shape a history must have to be used (cheap: no walk over the events). */
function isHistory(v: unknown, battleId: string, branchId: string): v is CompiledBranch {
  if (!v || typeof v !== 'object') return false;
  const { timeline: tl, checkpoints } = v as Partial<Record<keyof CompiledBranch, unknown>>;
  if (!tl || typeof tl !== 'object' || !checkpoints || typeof checkpoints !== 'object') return false;
  const t = tl as Partial<Record<string, unknown>>;
  return (
    t.battleId === battleId &&
    t.branchId === branchId &&
    Array.isArray(t.events) &&
    Array.isArray(t.keyframes) &&
    Array.isArray(t.phases) &&
    Array.isArray(t.decisionPoints) &&
    typeof t.durationMs === 'number' &&
    typeof t.eventsSha256 === 'string'
  );
}

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
  constructor(
    readonly dir: string,
    /** Told of a file that is present but unusable (corrupt, truncated, another format): it is read as a miss. */
    private readonly onBadFile: (file: string, reason: string) => void = warnOnce,
  ) {}

  private file(battleId: string, branchId: string): string | null {
    const d = sourcesDigest();
    if (!d) return null;
    const key = createHash('sha256').update(d).update('\0').update(branchId).digest('hex').slice(0, 24);
    return join(this.dir, `${battleId}.${key}.v8`);
  }

  /**
   * The history compiled earlier from these very sources, or undefined: absent, or unusable (its payload's hash
   * or shape is wrong, another branch), which is reported to onBadFile.
   */
  get(battleId: string, branchId: string): CompiledBranch | undefined {
    const f = this.file(battleId, branchId);
    if (!f) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(f);
    } catch {
      return undefined; // absent (or unreadable): a plain miss
    }
    try {
      if (bytes.length < HEADER_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return this.bad(f, 'no header');
      const payload = bytes.subarray(HEADER_BYTES);
      const want = bytes.subarray(MAGIC.length, HEADER_BYTES);
      if (!createHash('sha256').update(payload).digest().equals(want)) return this.bad(f, 'checksum mismatch');
      const b: unknown = deserialize(payload);
      return isHistory(b, battleId, branchId) ? b : this.bad(f, 'not this history');
    } catch (err) {
      return this.bad(f, err instanceof Error ? err.message : String(err));
    }
  }

  private bad(file: string, reason: string): undefined {
    try {
      this.onBadFile(file, reason);
    } catch {
      // A reporter's failure must not turn a miss into a crash.
    }
    return undefined;
  }

  /** Store a history (atomically: written aside, then renamed), and drop this battle's oldest files. Best effort. */
  put(b: CompiledBranch): void {
    const { battleId, branchId } = b.timeline;
    const f = this.file(battleId, branchId);
    if (!f) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${f}.${process.pid}.${threadId}.tmp`; // one writer per thread: no clash
      const payload = serialize(b);
      writeFileSync(tmp, Buffer.concat([MAGIC, createHash('sha256').update(payload).digest(), payload]));
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
