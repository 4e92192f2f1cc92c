import type { Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { ByteLru } from '../../shared/cache/ByteLru.js';
import {
  compileBattle,
  dropPreparedResume,
  startCompile,
  hasPreparedResume,
  startFork,
  type Compilation,
  type CompiledBranch,
} from './compiler.js';
import { branchIdFor, DecisionError, normalizeDecisions, validateChoice } from './decisions.js';
import { HistoryCache } from './historyCache.js';
import type { BattleDefinition } from './types.js';

// Compiled branches by id. A branch id is a hash of battle + seed + normalized decisions, so the same
// what-if asked twice (or by two rooms) compiles once. Forks resume from the parent's checkpoint,
// so a fork costs only the simulation after the decision point.

export class BranchNotFoundError extends Error {
  readonly code = 'NOT_FOUND' as const;
  constructor(message: string) {
    super(message);
    this.name = 'BranchNotFoundError';
  }
}

export interface BranchCatalogOptions {
  /** Compiled branches kept in memory, histories included (a history is always kept). */
  maxBranches?: number;
  /** Byte budget of the kept branches (approxBranchBytes; histories count but are never dropped). */
  maxBytes?: number;
  /**
   * Directory of compiled histories shared between processes (historyCache.ts); none: always compile. Only for
   * battles whose sources are under replays/ (the key's digest covers replays/ and shared/, not a test fixture).
   */
  historyCacheDir?: string;
}

/**
 * Approximate heap bytes of a compiled timeline, calibrated on the three battles (node --expose-gc, heap
 * delta of a compile): ~170 B per event, ~60 B per unit per keyframe (a keyframe copies the unit map and
 * the units that moved). Conservative for a fork, whose prefix is shared with its parent.
 */
export function approxTimelineBytes(tl: Pick<Timeline, 'events' | 'keyframes'>): number {
  const last = tl.keyframes.at(-1);
  const units = last ? Object.keys(last.state.units).length : 0;
  return 4096 + tl.events.length * 170 + tl.keyframes.length * units * 60;
}

/** Units of a compiled branch's last keyframe, counted once: listing 22,401 keys costs 10-25 ms, and a compiled
 * branch does not change (the estimates below ran on every fork's ack path and on every catalogue re-measure). */
const unitCounts = new WeakMap<CompiledBranch, number>();
function unitsOf(b: CompiledBranch): number {
  let n = unitCounts.get(b);
  if (n === undefined) {
    const last = b.timeline.keyframes.at(-1);
    unitCounts.set(b, (n = last ? Object.keys(last.state.units).length : 0));
  }
  return n;
}

/**
 * Heap bytes per unit of one checkpoint (a JSON copy of the run state, its world most of it, plus the keyframe fold
 * at that moment). Measured at 22,401 units (node --expose-gc, Cardassia's history and a fork compiled in process,
 * 2026-11-28): ~1,600 B. It was counted at 600, so a history of 3 checkpoints held ~70 MB more than its estimate.
 */
const CHECKPOINT_BYTES_PER_UNIT = 1600;
/** One run-state copy made ahead (a world as plain JSON): measured +21 MB at 22,401 units, ~940 B per unit. */
const SPARE_BYTES_PER_UNIT = 1000;
/**
 * A history read back from HISTORY_CACHE_DIR (v8.deserialize) holds more heap than the same history compiled here:
 * its strings are not shared and its objects keep their properties out of line. Measured on Cardassia's history:
 * 234 MB read against 170 MB compiled (1.38x).
 */
const READ_FROM_DISK_FACTOR = 1.4;

/** approxTimelineBytes plus the checkpoints (CHECKPOINT_BYTES_PER_UNIT each). */
export function approxBranchBytes(b: CompiledBranch): number {
  const units = unitsOf(b);
  return (
    4096 +
    b.timeline.events.length * 170 +
    b.timeline.keyframes.length * units * 60 +
    Object.keys(b.checkpoints).length * units * CHECKPOINT_BYTES_PER_UNIT
  );
}

/** Branches read from the history cache on disk (counted READ_FROM_DISK_FACTOR times their estimate when kept). */
const readFromDisk = new WeakSet<CompiledBranch>();

/**
 * approxBranchBytes (times READ_FROM_DISK_FACTOR for a history read from disk) plus the run-state copies made ahead
 * at its checkpoints (prepareResume). What the catalogue counts a branch as.
 */
export function approxKeptBytes(b: CompiledBranch): number {
  let spares = 0;
  for (const cp of Object.values(b.checkpoints)) if (hasPreparedResume(cp)) spares++;
  const own = approxBranchBytes(b);
  return (readFromDisk.has(b) ? Math.round(own * READ_FROM_DISK_FACTOR) : own) + spares * approxSpareBytes(b);
}

/** One run-state copy made ahead at a checkpoint of `b` (SPARE_BYTES_PER_UNIT per unit). */
export function approxSpareBytes(b: CompiledBranch): number {
  return unitsOf(b) * SPARE_BYTES_PER_UNIT;
}

export class BranchCatalog {
  // One LRU (shared/cache/ByteLru.ts): least recently used first, histories pinned. An evicted branch is
  // compiled again (identically) when asked for.
  private readonly cache: ByteLru<CompiledBranch>;
  private readonly onDisk: HistoryCache | null;
  /** Bytes reserved by compiles in progress (reserve()): counted against maxBytes while they run. */
  private reservedBytes = 0;
  /** Branches a compile in progress resumes from, with a count each: never given up for a reservation. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly lookup: (battleId: string) => BattleDefinition | undefined,
    opts: BranchCatalogOptions = {},
  ) {
    // Held branches are spared by every eviction, a new branch's own write included: sparing them only when making
    // room for a reservation let the adoption of another fork give up a parent its queued fork still waits on.
    this.cache = new ByteLru({
      maxEntries: opts.maxBranches ?? 64,
      maxBytes: opts.maxBytes,
      sizeOf: approxKeptBytes,
      spare: (k) => this.held.has(k),
    });
    this.onDisk = opts.historyCacheDir ? new HistoryCache(opts.historyCacheDir) : null;
  }

  /** Approximate bytes of the branches kept (see approxBranchBytes). */
  get bytes(): number {
    return this.cache.bytes;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Branches compiled from t = 0 here (histories not read from disk, and compile()), since the start (stats, tests). */
  compiledFromZero = 0;

  /** Bytes reserved by the compiles in progress (see reserve()). */
  get reserved(): number {
    return this.reservedBytes;
  }

  /**
   * Make room in the byte budget for a compile about to run: `bytes` count against maxBytes until the returned
   * release is called, and kept branches past what is left are given up now, least recently used first. Histories
   * stay (pinned), and so does the branch the compile resumes from (`from`: giving it up would free nothing, the
   * compile holds it). A given-up branch is compiled again, identically, when next asked for.
   */
  reserve(bytes: number, from?: { battleId: string; branchId: string }): () => void {
    const unhold = from ? this.hold(from.battleId, from.branchId) : () => {};
    this.reservedBytes += bytes;
    this.fit();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reservedBytes -= bytes;
      unhold(false);
      this.fit(); // a branch adopted meanwhile may not fit beside the other compiles' reservations
    };
  }

  /**
   * Keep a branch while a fork that resumes from it waits in the compile queue (and runs): no eviction gives it up
   * (a reservation's, or the cache's own trim when another branch is kept: ByteLru's `spare`), so what the waiting fork holds stays counted in the budget. A queued fork keeps its
   * parent alive either way (it resumes from its checkpoint); given up meanwhile, a 22,401-unit parent (~130 MB)
   * was live but no longer counted, and kept forks stayed beside it (forkload). The release (when the fork is done)
   * fits the budget again unless told not to.
   */
  hold(battleId: string, branchId: string): (fit?: boolean) => void {
    const k = this.key(battleId, branchId);
    this.held.set(k, (this.held.get(k) ?? 0) + 1);
    let released = false;
    return (refit = true) => {
      if (released) return;
      released = true;
      const n = (this.held.get(k) ?? 1) - 1;
      if (n > 0) this.held.set(k, n);
      else this.held.delete(k);
      if (refit) this.fit();
    };
  }

  /**
   * Whether holding this branch for a queued fork keeps the budget: what no eviction can give up (pinned histories,
   * held branches, this one) plus `ahead` (the most the compiles that may run before the fork's turn reserve at once:
   * the queue's `Gate.peakBytes`, the `limit` largest of those running and waiting), or the reservations now if more,
   * within maxBytes. With one compile at a time that is the largest one; with two at once it is a sum: the largest
   * alone (it was) let a large compile queued ahead start beside a running one and overrun the budget by the held
   * branch (tests/server/forkHoldConcurrency.test.ts). A hold past the budget overflowed it (forkload: three forks'
   * parents held beside the history and a compile, 591 MB against 512), so a fork that cannot hold its parent waits
   * without it and resumes from it, rebuilt if given up meanwhile, once its turn comes.
   */
  holdFits(battleId: string, branchId: string, ahead: number): boolean {
    const k = this.key(battleId, branchId);
    let fixed = 0;
    for (const key of this.cache.keys()) if (this.cache.isPinned(key) || this.held.has(key)) fixed += this.cache.bytesOf(key) ?? 0;
    if (!this.cache.isPinned(k) && !this.held.has(k)) fixed += this.cache.bytesOf(k) ?? 0;
    return fixed + Math.max(this.reservedBytes, ahead) <= this.cache.maxBytes;
  }

  /** Whether `bytes` more fit the budget beside what is kept and reserved, without giving anything up. */
  roomFor(bytes: number): boolean {
    return this.cache.bytes + this.reservedBytes + bytes <= this.cache.maxBytes;
  }

  /** Count a kept branch again (copies made ahead at its checkpoints, or taken by a fork); may evict others. */
  remeasure(battleId: string, branchId: string): void {
    const k = this.key(battleId, branchId);
    const b = this.cache.peek(k);
    if (b) this.cache.resize(k, approxKeptBytes(b));
    this.fit();
  }

  /** Kept bytes + reservations within maxBytes, as far as unpinned, unheld branches allow. */
  private fit(): void {
    // Releasing a hold gives nothing up unless a compile's reservation needs the room (held branches are spared by
    // every eviction).
    if (this.reservedBytes === 0) return;
    const room = this.cache.maxBytes - this.reservedBytes;
    this.cache.evictTo(room);
    if (this.cache.bytes <= room) return;
    // Still over (pinned histories and held branches left): the run-state copies made ahead go too, a world each
    // (a fork there then copies its world as it starts: slower to ack, same bytes). Refilled when the queue is idle.
    for (const [k, b] of [...this.cache.entries()]) {
      let dropped = false;
      for (const cp of Object.values(b.checkpoints)) dropped = dropPreparedResume(cp) || dropped;
      if (dropped) this.cache.resize(k, approxKeptBytes(b));
      if (this.cache.bytes <= room) return;
    }
  }

  private def(battleId: string): BattleDefinition {
    const def = this.lookup(battleId);
    if (!def) throw new BranchNotFoundError(`Unknown battle '${battleId}'`);
    return def;
  }

  private key(battleId: string, branchId: string): string {
    return `${battleId}/${branchId}`;
  }

  private remember(battleId: string, b: CompiledBranch, pin = false): CompiledBranch {
    this.cache.set(this.key(battleId, b.timeline.branchId), b, pin ? { pinned: true } : {});
    return b;
  }

  private cached(battleId: string, branchId: string): CompiledBranch | undefined {
    return this.cache.get(this.key(battleId, branchId));
  }

  historyBranchId(battleId: string): string {
    const def = this.def(battleId);
    return branchIdFor(def.info.id, def.seed, []);
  }

  async history(battleId: string): Promise<CompiledBranch> {
    const id = this.historyBranchId(battleId);
    return this.cached(battleId, id) ?? this.remember(battleId, this.readOrCompile(battleId, id), true);
  }

  private readOrCompile(battleId: string, id: string): CompiledBranch {
    const stored = this.onDisk?.get(battleId, id);
    if (stored) {
      readFromDisk.add(stored);
      return stored;
    }
    const b = compileBattle(this.def(battleId));
    this.compiledFromZero++;
    this.onDisk?.put(b);
    return b;
  }

  /** History if it is compiled already (never compiles). */
  compiledHistory(battleId: string): CompiledBranch | undefined {
    return this.cached(battleId, this.historyBranchId(battleId));
  }

  /** A compiled branch if known (history is compiled on demand); undefined for unknown branch ids. */
  async get(battleId: string, branchId: string): Promise<CompiledBranch | undefined> {
    if (branchId === this.historyBranchId(battleId)) return this.history(battleId);
    return this.cached(battleId, branchId);
  }

  /** Compile (or fetch) the branch for a full set of decisions, e.g. a branch record restored from storage. */
  async compile(battleId: string, decisions: DecisionChoice[]): Promise<CompiledBranch> {
    return this.compileWith(battleId, decisions, async () => {});
  }

  /**
   * compile() with the run advanced by the caller before it is finished (e.g. in slices, so a worker keeps answering
   * meanwhile): the same cache check, count and bytes.
   */
  async compileWith(battleId: string, decisions: DecisionChoice[], advance: (c: Compilation) => Promise<void>): Promise<CompiledBranch> {
    const def = this.def(battleId);
    const normalized = normalizeDecisions(def, decisions);
    if (normalized.length === 0) return this.history(battleId);
    const id = branchIdFor(def.info.id, def.seed, normalized);
    const hit = this.cached(battleId, id);
    if (hit) return hit;
    const c = startCompile(def, { decisions: normalized });
    await advance(c);
    this.compiledFromZero++;
    return this.remember(battleId, c.result());
  }

  /** Branch off `parentBranchId` at choice.decisionId with the given option. */
  async fork(battleId: string, parentBranchId: string, choice: DecisionChoice): Promise<CompiledBranch> {
    const p = await this.prepareFork(battleId, parentBranchId, choice);
    return 'branch' in p ? p.branch : this.adopt(battleId, p.start().result());
  }

  /** The id of the branch with these decisions (compile()'s), without compiling it. */
  branchIdOf(battleId: string, decisions: DecisionChoice[]): string {
    const def = this.def(battleId);
    return branchIdFor(def.info.id, def.seed, normalizeDecisions(def, decisions));
  }

  /** The id a fork of the branch with `parentDecisions` at `choice` gets (prepareFork's), without its parent at hand. */
  forkIdOf(battleId: string, parentDecisions: DecisionChoice[], choice: DecisionChoice): string {
    const def = this.def(battleId);
    const valid = validateChoice(def, choice);
    return branchIdFor(
      def.info.id,
      def.seed,
      normalizeDecisions(def, [...parentDecisions.filter((d) => d.decisionId !== valid.decisionId), valid]),
    );
  }

  /** Keep a branch compiled elsewhere (a progressive fork, once its Compilation is over). */
  adopt(battleId: string, b: CompiledBranch): CompiledBranch {
    return this.remember(battleId, b);
  }

  /**
   * fork() without running the simulation: the branch if known, else a Compilation the caller advances (and
   * publishes as it goes), then hands to adopt(). Same checks and errors as fork().
   */
  async prepareFork(
    battleId: string,
    parentBranchId: string,
    choice: DecisionChoice,
    opts: { fresh?: boolean } = {},
  ): Promise<{ branch: CompiledBranch } | { branchId: string; start: () => Compilation; parent: CompiledBranch }> {
    const def = this.def(battleId);
    const parent = await this.get(battleId, parentBranchId);
    if (!parent) throw new BranchNotFoundError(`Unknown branch '${parentBranchId}' of battle '${battleId}'`);
    const valid = validateChoice(def, choice);
    const all = normalizeDecisions(def, [...parent.timeline.decisions.filter((d) => d.decisionId !== valid.decisionId), valid]);
    const id = branchIdFor(def.info.id, parent.timeline.seed, all);
    // fresh: a compile already under way for this id (its queued fork resuming now) starts whatever is kept.
    const hit = opts.fresh ? undefined : this.cached(battleId, id);
    if (hit) return { branch: hit };
    if (all.length === 0) return { branch: await this.history(battleId) };
    if (!parent.checkpoints[valid.decisionId]) {
      const reached = Object.keys(parent.checkpoints).sort().join(', ') || '(none)';
      throw new DecisionError(
        'NOT_REACHED',
        `Branch ${parentBranchId} never reaches decision '${valid.decisionId}'. Decisions reached on it: ${reached}`,
      );
    }
    return { branchId: id, start: () => startFork(def, parent, valid.decisionId, valid, all), parent };
  }
}
