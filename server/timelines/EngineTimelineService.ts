import { getHeapStatistics } from 'node:v8';
import { plannedSegmentEnd, type BranchManifest } from '../../shared/battle/segments.js';
import { summarizeTimeline, type BattleInfo, type Timeline } from '../../shared/battle/timeline.js';
import { ByteLru } from '../../shared/cache/ByteLru.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import {
  approxBranchBytes,
  approxSpareBytes,
  battleInfo,
  battles,
  getBattle,
  BranchCatalog,
  BranchNotFoundError,
  DecisionError,
  hasPreparedResume,
  prepareResumeInSlices,
  type Compilation,
  type CompiledBranch,
} from '../../replays/index.js';
import { viewOfCompilation, viewOfTimeline, type SegmentBuilder } from './segments/builder.js';
import type { EncodedSegment } from './segments/encode.js';
import { START_STATES_MB, Segmenter } from './segments/Segmenter.js';
import type { BranchRecipe, SegmentProgress, SegmentSource } from './segments/types.js';
import { AppError } from '../errors.js';
import { Gate } from './Gate.js';
import { drainTrace, mark, traceNow, type TraceMark } from './forkTrace.js';
import { BadChoiceError, UnknownBattleError, type TimelineMeta, type TimelineService } from './TimelineService.js';

/** Branch metadata kept after the branch itself is evicted (a few KB each): room commands never rebuild a branch. */
const MAX_METAS = 4096;

/** What the engine holds and does (EngineTimelineService.stats). */
export interface EngineStats {
  /** Approximate bytes of the compiled branches kept (within CHECKPOINT_CACHE_MB less the start states' share). */
  catalogBytes: number;
  /** Bytes of the kept fork-point start states (within their share of CHECKPOINT_CACHE_MB). */
  startStateBytes: number;
  /** Bytes the compiles in progress reserve in the branches' budget (kept branches give way to them). */
  compileReservedBytes: number;
  /** The engine thread's V8 heap: used, and reserved. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory outside the engine thread's heap that its objects hold (Buffers, typed arrays). */
  externalBytes: number;
  branches: number;
  /** Branches compiled from t = 0 on this thread (histories, and branches rebuilt from their record). */
  compiledFromZero: number;
  compiling: number;
  queued: number;
  /** Checkpoints of compiled histories, and how many of them hold a copy made ahead (a fork there resumes at once). */
  historyCheckpoints: number;
  resumesReady: number;
}

/** A fork being simulated progressively. */
interface InFlight {
  /** The manifest so far; null while queued. */
  manifest(): BranchManifest | null;
  /** Encode a built segment again; null if not built. */
  rebuild(index: number): EncodedSegment | null;
  started: Promise<BranchManifest>;
  /** `fn` runs synchronously when the fork-point segment is listed (at once if it is already): the ack. */
  whenStarted(fn: (m: BranchManifest) => void): void;
  done: Promise<Timeline>;
  /** Resolves once segment `index` is built (or the branch is complete). */
  waitFor(index: number): Promise<void>;
}

export interface EngineOptions {
  /** Compiled branches kept (count bound; history always kept). */
  maxBranches?: number;
  /** Byte budget of compiled branches: CHECKPOINT_CACHE_MB. */
  checkpointCacheMb?: number;
  /** Forks simulated at once (interleaved a segment at a time); the rest wait in FIFO order. */
  compileConcurrency?: number;
  /**
   * Test hook: least wall time (ms) between a progressive fork's segments, so a test can watch a fork compile
   * however fast this machine simulates it. 0 (default): only yield to other work between segments.
   */
  segmentPaceMs?: number;
  /**
   * Test hook: awaited after each segment of a progressive fork is listed (after the pace); a throw fails the
   * compile there, as a simulation that throws would (tests/server/switchCompiling.test.ts).
   */
  afterSegment?: (branchId: string) => void | Promise<void>;
  /** Directory of compiled histories shared between processes and restarts (HISTORY_CACHE_DIR); none: compile. */
  historyCacheDir?: string;
}

/** A compile's peak heap over its branch's kept bytes (the compile queue's reservation; see fork()). */
const COMPILE_PEAK_FACTOR = 1.5;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Playback time simulated between two yields inside one segment: one step (STEP_MS, 200 ms). A 10 s segment of a
 * 20,000-unit battle is about half a second of CPU; yielding only between segments made another fork's ack (or a
 * segment request) wait for all of it, and five steps (1 s) still 60-450 ms of it at 22,401 units (quiet to
 * loaded). One step is 10-40 ms there. The steps are the same as in one call (advanceTo).
 */
const SLICE_MS = 200;

/**
 * c.advanceTo(target) in slices of SLICE_MS with a yield between them; the same result as one call. `afterSlice`: run
 * after each slice (a progressive fork cuts its parts there), `over` once the run is over; true stops short of target.
 */
async function advanceInSlices(
  c: { compiledMs: number; advanceTo(ms: number): boolean },
  target: number,
  label = '',
  afterSlice?: (over: boolean) => boolean,
): Promise<boolean> {
  for (;;) {
    const next = Math.min(target, c.compiledMs + SLICE_MS);
    const t = traceNow();
    const more = c.advanceTo(next);
    mark('slice', label, traceNow() - t);
    if (afterSlice?.(!more) || !more) return more;
    if (next >= target) return true;
    await yieldToLoop();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * TimelineService over the engine: the battle registry plus a BranchCatalog of compiled branches. Also the
 * segment builder (SegmentSource): forks are simulated a segment at a time, and each segment is encoded and
 * pushed (onProgress) as soon as it is final, so a what-if plays before it is fully compiled.
 */
export class EngineTimelineService implements TimelineService, SegmentSource {
  private readonly catalog: BranchCatalog;
  private readonly listeners: ((p: SegmentProgress) => void)[] = [];
  private readonly failedListeners: ((battleId: string, branchId: string) => void)[] = [];
  private readonly segmenter: Segmenter;
  private readonly inflight = new Map<string, InFlight>();
  private readonly rebuilding = new Map<string, Promise<Timeline>>();
  private readonly metas = new ByteLru<TimelineMeta>({ maxEntries: MAX_METAS });

  private readonly gate: Gate;
  private readonly paceMs: number;
  private readonly afterSegment: EngineOptions['afterSegment'];

  constructor(opts: EngineOptions = {}) {
    this.paceMs = opts.segmentPaceMs ?? 0;
    this.afterSegment = opts.afterSegment;
    // One budget for everything the worker keeps between compiles: the kept start states (a sixteenth of it, at most
    // START_STATES_MB) and the compiled branches (the rest). A sixteenth (32 MB at 512: ~14 starts of a 22,401-unit
    // world) since the 200-fork run: at an eighth they held 66 MB of Buffers at its peak RSS, past the bound.
    const budget = opts.checkpointCacheMb ? opts.checkpointCacheMb * 1024 * 1024 : undefined;
    const startBytes =
      budget === undefined ? START_STATES_MB * 1024 * 1024 : Math.min(START_STATES_MB * 1024 * 1024, Math.floor(budget / 16));
    this.segmenter = new Segmenter(
      (p) => {
        for (const fn of this.listeners) fn(p);
      },
      undefined,
      undefined,
      startBytes,
    );
    const maxBytes = budget === undefined ? undefined : budget - startBytes;
    this.catalog = new BranchCatalog(getBattle, { maxBranches: opts.maxBranches ?? 64, maxBytes, historyCacheDir: opts.historyCacheDir });
    // A second compile starts only if its estimated bytes fit, with what is kept and the other compiles', in 3/4 of
    // the heap's limit (the worker's is capped near CHECKPOINT_CACHE_MB): two 20,000-unit forks beside their pinned
    // history overran a 512 MB heap, which then spent its time in GC. Small battles still compile side by side.
    this.gate = new Gate(
      opts.compileConcurrency ?? 2,
      (bytes) => this.catalog.bytes + this.segmenter.startStateBytes + bytes <= getHeapStatistics().heap_size_limit * 0.75,
    );
  }

  /** What the engine holds (approximate bytes of compiled branches and kept start states, its heap), and compiles running / queued (metrics, benchmarks). */
  async stats(): Promise<EngineStats> {
    return this.statsNow();
  }

  /** Fork trace marks of this thread (FORK_TRACE=1; benchmarks), drained. */
  async trace(): Promise<TraceMark[]> {
    return drainTrace();
  }

  private statsNow(): EngineStats {
    const heap = getHeapStatistics();
    return {
      catalogBytes: this.catalog.bytes,
      startStateBytes: this.segmenter.startStateBytes,
      compileReservedBytes: this.catalog.reserved,
      heapUsedBytes: heap.used_heap_size,
      heapTotalBytes: heap.total_heap_size,
      // This thread's isolate (in a worker, the worker's own, not the process's).
      externalBytes: heap.external_memory,
      branches: this.catalog.size,
      compiledFromZero: this.catalog.compiledFromZero,
      compiling: this.gate.running,
      queued: this.gate.waiting,
      ...this.resumeStats(),
    };
  }

  private resumeStats(): { historyCheckpoints: number; resumesReady: number } {
    let historyCheckpoints = 0;
    let resumesReady = 0;
    for (const def of battles) {
      const h = this.catalog.compiledHistory(def.info.id);
      for (const cp of h ? Object.values(h.checkpoints) : []) {
        historyCheckpoints++;
        if (hasPreparedResume(cp)) resumesReady++;
      }
    }
    return { historyCheckpoints, resumesReady };
  }

  /** Compile every battle's history up front, and encode its segments, so the first visitor does not wait. */
  async warm(): Promise<void> {
    for (const def of battles) this.segmenter.complete((await this.catalog.history(def.info.id)).timeline);
    this.prepareResumes();
  }

  private preparing = false;

  /**
   * In idle time, copy ahead the run state of every compiled history's checkpoints (replays/engine/compiler.ts,
   * prepareResume): the next fork from history at that decision starts without copying a 20,000-unit world,
   * which was most of its time to the first segment. One checkpoint per turn of the event loop, and only while no
   * compile runs or waits (a fork's own simulation goes first); a fork that took a copy triggers the refill when
   * it completes. Histories only: they are pinned and most forks start there (one copy per decision: at 20,000
   * units ~15-25 MB each).
   */
  private prepareResumes(): void {
    if (this.preparing) return;
    this.preparing = true;
    void (async () => {
      try {
        for (const def of battles) {
          const h = this.catalog.compiledHistory(def.info.id);
          if (!h) continue;
          // The copies count in the catalogue's budget with their history (a fork that took one shrinks it).
          this.catalog.remeasure(def.info.id, h.timeline.branchId);
          for (const cp of Object.values(h.checkpoints)) {
            if (hasPreparedResume(cp)) continue;
            await yieldToLoop();
            if (this.gate.running > 0 || this.gate.waiting > 0) return; // busy: the next completion retries
            // Only in free room: a copy made ahead never pushes a kept branch out (it saves an ack a world copy; a
            // given-up branch costs a compile).
            if (!this.catalog.roomFor(approxSpareBytes(h))) break;
            // A slice of ~1,000 units per turn of the event loop: a whole 22,401-unit copy is 150-260 ms, and a fork
            // that arrived meanwhile waited for all of it (the forks bench's slowest acks). A fork asking gives it up.
            const t = traceNow();
            const made = await prepareResumeInSlices(cp, async () => {
              await yieldToLoop();
              return this.gate.running === 0 && this.gate.waiting === 0;
            });
            mark('prepareResume', cp.decisionId, traceNow() - t);
            if (!made && !hasPreparedResume(cp)) return; // given up for a fork: its completion refills
            this.catalog.remeasure(def.info.id, h.timeline.branchId);
          }
        }
      } finally {
        this.preparing = false;
      }
    })();
  }

  async listBattles(): Promise<BattleInfo[]> {
    const out: BattleInfo[] = [];
    for (const def of battles) out.push(battleInfo(def, (await this.catalog.history(def.info.id)).timeline));
    return out;
  }

  async battle(battleId: string): Promise<BattleInfo | null> {
    const def = getBattle(battleId);
    if (!def) return null;
    return battleInfo(def, (await this.catalog.history(battleId)).timeline);
  }

  async canonicalBranchId(battleId: string): Promise<string | null> {
    return getBattle(battleId) ? this.catalog.historyBranchId(battleId) : null;
  }

  async timeline(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<Timeline | null> {
    if (!getBattle(battleId)) return null;
    if (branchId === undefined) return (await this.catalog.history(battleId)).timeline;
    const hit = await this.catalog.get(battleId, branchId);
    if (hit) return hit.timeline;
    const running = this.inflight.get(`${battleId}/${branchId}`);
    if (running) return running.done;
    if (!decisions) return null;
    // Another process created this branch: compile it again from its recorded decisions (same id, same events), in the
    // compile queue and in slices, as a given-up parent is (a room command's meta on such a branch compiled a whole
    // 22,401-unit battle in one piece on this thread: every fork's ack and segment waited ~15 s behind it). It
    // reserves nothing in the budget, as that compile did not (its kept branches are not given up for it).
    try {
      if (this.catalog.branchIdOf(battleId, decisions) !== branchId) return null;
      return await this.rebuildInQueue(battleId, decisions, 0);
    } catch (err) {
      if (err instanceof DecisionError) return null;
      throw err;
    }
  }

  /**
   * A branch's metadata. Kept for every branch compiled here, beyond the catalogue's eviction of the branch:
   * the room commands that ask for it never make the worker rebuild (or copy) a whole timeline.
   */
  async meta(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<TimelineMeta | null> {
    if (!getBattle(battleId)) return null;
    const id = branchId ?? this.catalog.historyBranchId(battleId);
    const hit = this.metas.get(`${battleId}/${id}`);
    if (hit) return hit;
    const tl = await this.timeline(battleId, branchId, decisions);
    return tl && this.remember(tl);
  }

  private remember(tl: Timeline): TimelineMeta {
    const meta = summarizeTimeline(tl);
    this.metas.set(`${tl.battleId}/${tl.branchId}`, meta);
    return meta;
  }

  async fork(
    battleId: string,
    parentBranchId: string,
    choice: DecisionChoice,
    parentDecisions?: DecisionChoice[],
    onStarted?: (m: BranchManifest) => void,
  ): Promise<Timeline> {
    if (!getBattle(battleId)) throw new UnknownBattleError(`unknown battle ${battleId}`);
    let prepared: Awaited<ReturnType<BranchCatalog['prepareFork']>> | null;
    // Released once this fork holds its parent for the queue (below), or gives up.
    let waitHold = () => {};
    try {
      if (!(await this.catalog.get(battleId, parentBranchId))) {
        // A parent still compiling here (a fork of a fork made while the first one plays): wait for its own compile,
        // which then is in the catalogue, instead of compiling it a second time from zero beside it. That second
        // compile held a whole 22,401-unit run beside the first, blocked this thread for the whole battle's
        // simulation, and then encoded every remaining segment of the parent again for its manifest (forkload).
        if (this.inflight.has(`${battleId}/${parentBranchId}`)) {
          // Held from now: the next queued compile starts (and reserves its room, giving up kept forks) as soon as the
          // parent's ends, before this continuation runs; unheld, the parent was given up at once and compiled again
          // from zero here (forkload: most two-step paths).
          waitHold = this.catalog.hold(battleId, parentBranchId);
          await this.settled(`${battleId}/${parentBranchId}`);
        }
        if (!(await this.catalog.get(battleId, parentBranchId)) && parentDecisions) {
          // The same fork already compiling (queued without holding this parent, which was given up meanwhile):
          // join it, instead of compiling its parent here only to find the run in flight.
          const joined = this.inflight.get(`${battleId}/${this.catalog.forkIdOf(battleId, parentDecisions, choice)}`);
          if (joined) {
            waitHold();
            if (onStarted) joined.whenStarted(onStarted);
            return await joined.done;
          }
          // Held until this fork has taken what it needs of it, like a parent waited for above.
          const rebuilt = this.catalog.hold(battleId, parentBranchId);
          const before = waitHold;
          waitHold = () => {
            before();
            rebuilt();
          };
          const bytes = Math.round(approxBranchBytes(await this.catalog.history(battleId)) * COMPILE_PEAK_FACTOR);
          await this.rebuildInQueue(battleId, parentDecisions, bytes);
        }
      }
      prepared = await this.catalog.prepareFork(battleId, parentBranchId, choice);
    } catch (err) {
      waitHold();
      if (err instanceof DecisionError) throw new BadChoiceError(err.message);
      if (err instanceof BranchNotFoundError) throw new UnknownBattleError(err.message);
      throw err;
    }
    mark('fork:prepared', 'branch' in prepared ? prepared.branch.timeline.branchId : prepared.branchId);
    // Every path from here releases the wait's hold, a throw included (it would spare the parent for good).
    try {
      const running = this.runPrepared(battleId, prepared, choice, waitHold, onStarted);
      // Not kept past the call: a fork queued without holding its parent must not keep it alive from here.
      prepared = null;
      return await running;
    } finally {
      waitHold();
    }
  }

  /**
   * The compile in flight under `key` has ended (either way). Its own frame, not fork()'s: fork() stays suspended
   * for its child's whole run, and a run it named (its compilation, its builder, its timeline) stayed alive with it
   * (tests/server/forkMemory.test.ts: a parent given up is collected before its child runs).
   */
  private async settled(key: string): Promise<void> {
    await this.inflight.get(key)?.done.catch(() => undefined);
  }

  /** A prepared fork: the branch already compiled, or its compile run (joined if another ask started it). */
  private async runPrepared(
    battleId: string,
    prepared: Awaited<ReturnType<BranchCatalog['prepareFork']>>,
    choice: DecisionChoice,
    waitHold: () => void,
    onStarted?: (m: BranchManifest) => void,
  ): Promise<Timeline> {
    if ('branch' in prepared) {
      waitHold();
      const tl = prepared.branch.timeline;
      if (onStarted) onStarted(this.segmenter.complete(tl, await this.parentManifest(tl)));
      return tl;
    }
    // No closure below names `prepared`: one that did kept it (its parent, its start) in the context every callback
    // of this run shares, so a queued fork kept its whole parent alive whether held or not (forkload: the worker ran
    // out of heap at its cap with only the history kept).
    const branchId = prepared.branchId;
    const key = `${battleId}/${branchId}`;
    let run = this.inflight.get(key);
    if (!run) {
      // Synchronous from here to the set: a second ask for the same fork joins this run.
      // A fork keeps about what its parent does (same battle, same units), but while it compiles it holds more: its
      // run state and the garbage of each step. Measured at 22,401 units: ~290 MB of heap live per compile against
      // the parent's ~200 MB estimate, so two reserved at 1x fit a 768 MB cap on paper and overran it (forkload).
      const reserve = Math.round(approxBranchBytes(prepared.parent) * COMPILE_PEAK_FACTOR);
      mark('fork:reserved');
      const parentManifest = this.parentManifestNow(prepared.parent.timeline);
      mark('fork:parentManifest');
      // Its parent stays kept (and counted) while the fork waits in the queue, until it has resumed from it; unless
      // holding it would overflow the budget: then the fork keeps nothing of it while queued (see detached()).
      const parentId = prepared.parent.timeline.branchId;
      // Held while it waits only if what may be reserved at once meanwhile fits beside it: with two slots, a large
      // compile queued ahead can start beside one running (its own reservation comes after it has resumed).
      const hold = !this.gate.wouldWait(reserve) || this.catalog.holdFits(battleId, parentId, this.gate.peakBytes());
      const unhold = hold ? this.catalog.hold(battleId, parentId) : () => {};
      const start = hold ? prepared.start : this.detached(battleId, prepared.parent, choice);
      if (!hold) mark('fork:detached', branchId);
      try {
        run = this.progressive(start, parentManifest, reserve, () => unhold());
      } catch (err) {
        unhold();
        throw err;
      }
      this.inflight.set(key, run);
      waitHold();
      const done = () => {
        unhold();
        this.inflight.delete(key);
        this.prepareResumes(); // refill the copy this fork may have taken
      };
      run.done.then(
        (tl) => {
          this.remember(tl);
          done();
        },
        () => {
          done();
          for (const fn of this.failedListeners) fn(battleId, branchId);
        },
      );
    }
    waitHold(); // another ask for the same fork runs it (and holds the parent)
    if (onStarted) run.whenStarted(onStarted);
    return run.done;
  }

  /**
   * The start of a queued fork that does not hold its parent: only the parent's id and decisions are kept, so the
   * parent can be given up like any kept branch while the fork waits. When its turn comes (in its compile slot) it
   * resumes from the parent, rebuilt from its decisions if it was given up (the same bytes: deterministic), the
   * rebuild's run counted in the budget while it lasts.
   */
  private detached(battleId: string, parent: CompiledBranch, choice: DecisionChoice): () => Promise<Compilation> {
    const parentId = parent.timeline.branchId;
    const decisions = [...parent.timeline.decisions];
    const bytes = Math.round(approxBranchBytes(parent) * COMPILE_PEAK_FACTOR);
    return async () => {
      // Held from here to the resume: a reservation made meanwhile (another compile's) must not give it up again.
      const unhold = this.catalog.hold(battleId, parentId);
      try {
        if (!(await this.catalog.get(battleId, parentId))) {
          mark('fork:parentRebuilt', parentId);
          await this.rebuild(battleId, decisions, bytes);
        }
        const again = await this.catalog.prepareFork(battleId, parentId, choice, { fresh: true });
        if ('branch' in again) throw new Error(`fork ${battleId}/${parentId} resumed as a compiled branch`);
        return again.start();
      } finally {
        unhold();
      }
    };
  }

  /**
   * A given-up branch compiled again from t = 0 (same bytes), in slices so the worker keeps answering meanwhile
   * (a 22,401-unit battle is ~14 s of simulation), its run counted in the budget while it lasts.
   */
  private rebuild(battleId: string, decisions: DecisionChoice[], bytes: number): Promise<Timeline> {
    // One rebuild of a branch at a time: two forks queued on the same given-up parent wait for the same one.
    const key = this.rebuildKey(battleId, decisions);
    const running = this.rebuilding.get(key);
    if (running) return running;
    const p = this.rebuildNow(battleId, decisions, bytes).finally(() => this.rebuilding.delete(key));
    this.rebuilding.set(key, p);
    return p;
  }

  /**
   * rebuild() in a compile slot of its own: a parent given up before its fork is even queued (fork()). It ran at
   * once, beside the compiles in their slots, so the queue neither counted it (a third simulation at concurrency 2,
   * its ~run state beside theirs) nor held its bytes back from the next compile's admission. One already running
   * is joined without queueing (its slot is taken); rebuild() joins one that started while this one waited.
   * detached() calls rebuild() directly: it runs in its fork's slot (taking a second one could wait for good).
   */
  private async rebuildInQueue(battleId: string, decisions: DecisionChoice[], bytes: number): Promise<Timeline> {
    const running = this.rebuilding.get(this.rebuildKey(battleId, decisions));
    if (running) return running;
    mark('gate:ask', 'rebuild', this.gate.running);
    const release = await this.gate.acquire(bytes);
    try {
      // Rebuilt by another ask while this one waited for its slot: reserving again would only give up kept branches.
      const done = await this.catalog.get(battleId, this.catalog.branchIdOf(battleId, decisions));
      if (done) return done.timeline;
      return await this.rebuild(battleId, decisions, bytes);
    } finally {
      release();
    }
  }

  /**
   * The one rebuild of a branch that every fork waiting on it joins, keyed by branch id: the decisions come normalized
   * from detached() and as the room's record from rebuildByFork, and the same branch must not be rebuilt twice at once.
   */
  private rebuildKey(battleId: string, decisions: DecisionChoice[]): string {
    if (!getBattle(battleId)) throw new UnknownBattleError(`unknown battle ${battleId}`);
    return `${battleId}/${this.catalog.branchIdOf(battleId, decisions)}`;
  }

  /** Only through rebuild(), whose key has checked the battle. */
  private async rebuildNow(battleId: string, decisions: DecisionChoice[], bytes: number): Promise<Timeline> {
    const unreserve = this.catalog.reserve(Math.round(bytes));
    try {
      const compiled = await this.catalog.compileWith(battleId, decisions, async (c) => {
        await advanceInSlices(c, Number.POSITIVE_INFINITY, 'rebuild');
      });
      return compiled.timeline;
    } finally {
      unreserve();
    }
  }

  /**
   * Simulate a fork a segment at a time, publishing each segment as it becomes final. Waits for a compile
   * slot first (the queue); the fork's run state is only created once it has one.
   */
  private progressive(
    start: () => Compilation | Promise<Compilation>,
    parent: BranchManifest,
    bytes: number,
    resumed: () => void,
  ): InFlight {
    // Dropped once called: it holds the parent branch, which the compile no longer needs once it has resumed.
    let begin: (() => Compilation | Promise<Compilation>) | null = start;
    let comp: Compilation | null = null;
    let builder: SegmentBuilder | null = null;
    const S = this.segmenter.segmentMs;
    const view = viewOfCompilation;
    // Segments compressed and pushed. One listed but still compressing (on the thread pool) is not ready: a request
    // for it waits for that compression instead of compressing it a second time on this thread (rebuild()).
    let ready = 0;
    const built = () => ready;
    let resolveStarted!: (m: BranchManifest) => void;
    const startedP = new Promise<BranchManifest>((resolve) => (resolveStarted = resolve));
    // Synchronous listeners: the ack is posted while the segment is compressed (Segmenter.advanceAsync).
    let startedWith: BranchManifest | null = null;
    const onStart: ((m: BranchManifest) => void)[] = [];
    const started = (m: BranchManifest) => {
      if (startedWith) return;
      startedWith = m;
      resolveStarted(m);
      for (const fn of onStart.splice(0)) fn(m);
    };
    let waiters: { index: number; resolve: () => void }[] = [];
    let over = false;
    const wake = () => {
      for (const w of waiters) if (over || w.index < built()) w.resolve();
      waiters = waiters.filter((w) => !(over || w.index < built()));
    };
    let unreserve = () => {};
    const run = async (): Promise<Timeline> => {
      let t = traceNow();
      const c = (comp = await (begin as () => Compilation | Promise<Compilation>)());
      begin = null;
      // Resumed: the compile shares only the parent's prefix (its events and keyframes before the fork point, its
      // earlier checkpoints); the parent's own events after it, its keyframes and later checkpoints are not needed,
      // so the parent is no longer held and gives way like any kept branch (~60-130 MB of a 22,401-unit parent
      // freed while its child compiles; rebuilt from its record if asked for again).
      resumed();
      const meta = c.meta;
      mark('fork:resumed', meta.branchId, traceNow() - t);
      // The catalogue makes room for this compile in its byte budget (CHECKPOINT_CACHE_MB): kept forks give way,
      // LRU, so kept branches + the compiles' reservations stay within it (forkload: a kept 22,401-unit fork beside
      // the history plus a compile overran the worker's heap cap). After the resume, not before: making room may
      // give up the run-state copies made ahead, and this fork's own copy is what makes its ack quick (at 22,401
      // units a resume without it copies the world: 170-700 ms, measured when the reservation came first).
      unreserve = this.catalog.reserve(bytes);
      const b = (builder = this.segmenter.start(meta.battleId, meta.branchId, parent, meta.fork));
      const forkMs = meta.fork ? meta.fork.atMs : 0;
      // The first pass needs no simulation: a segment ends at the fork point (a decision point).
      // Then each step simulates to the next planned boundary, cutting a part every PART_MS of it on the way, so the
      // play head waits on 1 s of simulation, not 10 (shared/battle/segments.ts).
      // Each segment is listed (serialized, hashed: the manifest and the frontier move on) here, then compressed on
      // the thread pool while this thread simulates the next one: the compression is off the publish path. One
      // compression at a time, in order (segments are pushed in index order); the next listing does not wait for
      // it, only for the one before (at most two listed segments' JSON held while their compressions queue).
      let compressing: Promise<void> = Promise.resolve();
      let before: Promise<void> = Promise.resolve();
      try {
        // Past the fork point, the newest events go out as parts every PART_MS of simulation (and up to each
        // segment's end before it is listed): the frontier moves in small steps, not a segment at a time.
        // A decision point inside the segment ends it there: listed at once (its last part ends with it), so the parts of
        // the next one follow, instead of the frontier standing at the decision point until the grid boundary.
        // The run over, what is left goes out as a part at once: finishing the branch (its timeline, hash, strength
        // series: ~1.5 s of CPU at 22,401 units) held the frontier short of the battle's end meanwhile.
        const cutPart = (over: boolean): boolean => {
          if (b.builtMs < forkMs) return false;
          const end = this.segmenter.publishPart(b, view(c), over);
          return end !== null && end < plannedSegmentEnd(b.builtMs, S);
        };
        for (
          let target = c.compiledMs;
          await advanceInSlices(c, target, meta.branchId, cutPart);
          target = plannedSegmentEnd(b.builtMs, S)
        ) {
          await before;
          t = traceNow();
          const compress = this.segmenter.listThenCompress(b, view(c), (m) => {
            mark('fork:listed', meta.branchId, traceNow() - t);
            if (b.builtMs >= forkMs) started(m);
          });
          const listedTo = b.builtMs;
          before = compressing;
          compressing = compressing.then(compress).then((manifest) => {
            mark('segments:advanced', meta.branchId, traceNow() - t);
            if (listedTo >= forkMs) started(manifest);
            ready = manifest.segments.length;
            wake();
          });
          // Awaited at a later segment or the end; handled here too, so a failed simulation meanwhile is what throws.
          compressing.catch(() => {});
          // Let other requests (and other forks) in between segments.
          await (this.paceMs > 0 ? sleep(this.paceMs) : yieldToLoop());
          if (this.afterSegment) await this.afterSegment(meta.branchId);
        }
      } catch (err) {
        // The segments listed before the failure are pushed before it is reported: a push after the failure
        // (SegmentSource.onFailed) pinned the growing manifest again.
        await compressing.catch(() => {});
        throw err;
      }
      await compressing;
      const compiled = this.catalog.adopt(meta.battleId, c.result());
      started(await this.segmenter.advanceAsync(b, viewOfTimeline(compiled.timeline)));
      over = true;
      wake();
      return compiled.timeline;
    };
    const done = (async () => {
      mark('gate:ask', undefined, this.gate.running);
      const release = await this.gate.acquire(bytes);
      mark('gate:acquired');
      try {
        return await run();
      } finally {
        unreserve();
        release();
      }
    })();
    done.catch(() => {
      over = true;
      wake();
    });
    return {
      manifest: () => builder?.manifest ?? null,
      rebuild: (index) => (comp && builder ? builder.rebuild(view(comp), index) : null),
      started: startedP,
      whenStarted: (fn) => (startedWith ? fn(startedWith) : void onStart.push(fn)),
      done,
      waitFor: (index) => (over || index < built() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ index, resolve }))),
    };
  }

  /** The parent's manifest, built now if needed (synchronously: the parent is compiled). */
  private parentManifestNow(parent: Timeline): BranchManifest {
    const known = this.segmenter.peek(parent.battleId, parent.branchId)?.manifest;
    return known?.complete ? known : this.segmenter.complete(parent);
  }

  /** The parent's manifest (a fork's shared prefix), building it if this worker has its timeline. */
  private async parentManifest(tl: Timeline): Promise<BranchManifest | null> {
    if (!tl.parentBranchId) return null;
    const parent = await this.catalog.get(tl.battleId, tl.parentBranchId);
    return parent ? this.manifestOf(parent.timeline) : null;
  }

  private async manifestOf(tl: Timeline): Promise<BranchManifest> {
    if (tl.parentBranchId === null) this.prepareResumes(); // a history compiled on first use (COMPILE_ON_START=false)
    const known = this.segmenter.peek(tl.battleId, tl.branchId)?.manifest;
    return known?.complete ? known : this.segmenter.complete(tl, await this.parentManifest(tl));
  }

  // ---- SegmentSource -----------------------------------------------------------------------------

  onProgress(fn: (p: SegmentProgress) => void): void {
    this.listeners.push(fn);
  }

  onFailed(fn: (battleId: string, branchId: string) => void): void {
    this.failedListeners.push(fn);
  }

  async manifest(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<BranchManifest | null> {
    const running = this.inflight.get(`${battleId}/${branchId}`) ?? (await this.rebuildByFork(battleId, branchId, recipe));
    if (running) return running.manifest() ?? running.started;
    const tl = await this.timeline(battleId, branchId, recipe?.decisions);
    return tl ? this.manifestOf(tl) : null;
  }

  async segment(battleId: string, branchId: string, index: number, recipe?: BranchRecipe): Promise<EncodedSegment | null> {
    const running = this.inflight.get(`${battleId}/${branchId}`) ?? (await this.rebuildByFork(battleId, branchId, recipe));
    if (running) {
      await running.waitFor(index);
      if (this.inflight.get(`${battleId}/${branchId}`) === running) return running.rebuild(index);
    }
    const tl = await this.timeline(battleId, branchId, recipe?.decisions);
    if (!tl) return null;
    return this.segmenter.segment(tl, index, await this.parentManifest(tl));
  }

  /**
   * A branch this worker does not hold, recorded as a fork at `recipe.forkDecisionId`: resume it from its
   * parent's checkpoint (the parent = the same decisions without the fork's; history for a first fork), a
   * segment at a time, instead of compiling it from zero. undefined when that does not apply.
   */
  private async rebuildByFork(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<InFlight | undefined> {
    if (!recipe?.forkDecisionId || !getBattle(battleId)) return undefined;
    if (await this.catalog.get(battleId, branchId)) return undefined;
    const choice = recipe.decisions.find((d) => d.decisionId === recipe.forkDecisionId);
    if (!choice) return undefined;
    try {
      // fork() from the parent's id and decisions: a parent not held here is rebuilt in the compile queue, in slices
      // (it was compiled from zero at once, in one piece on this thread, beside the compiles in their slots).
      const parentDecisions = recipe.decisions.filter((d) => d !== choice);
      const parentId = this.catalog.branchIdOf(battleId, parentDecisions);
      let started!: () => void;
      const first = new Promise<void>((resolve) => (started = resolve));
      const done = this.fork(battleId, parentId, choice, parentDecisions, () => started());
      await Promise.race([first, done]);
      return this.inflight.get(`${battleId}/${branchId}`); // undefined once complete: then it is in the catalog
    } catch (err) {
      if (err instanceof DecisionError || err instanceof AppError) return undefined;
      throw err;
    }
  }
}
