import { Worker } from 'node:worker_threads';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { BattleInfo, Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { AppError } from '../errors.js';
import { BadChoiceError, UnknownBattleError, type ForkedBranch, type TimelineMeta, type TimelineService } from './TimelineService.js';
import type { EncodedSegment } from './segments/encode.js';
import type { BranchRecipe, SegmentProgress, SegmentSource } from './segments/types.js';
import type { EngineStats } from './EngineTimelineService.js';
import { FORK_TRACE, mark, type TraceMark } from './forkTrace.js';
import type { Method, Request, WorkerMessage, WorkerOptions } from './worker/protocol.js';

/** Times an acked fork is compiled again on a fresh worker after its worker stopped. */
const FORK_RETRIES = 1;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  interim?: (v: unknown) => void;
}

/**
 * EngineTimelineService on a worker thread, so compiles (seconds for a large battle) never block the
 * playback loop. Static facts (battle list, history ids) are memoised on this side; timelines are cached
 * by the caller (TimelineCache), since each crossing copies the timeline.
 */
export class WorkerTimelineService implements TimelineService, SegmentSource {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners: ((p: SegmentProgress) => void)[] = [];

  constructor(private readonly options: WorkerOptions = {}) {}

  /**
   * The worker's old-generation heap is capped from its budget (CHECKPOINT_CACHE_MB, which counts kept branches, the
   * start states and the compiles' reservations by estimate, and since queued forks hold parents only within it,
   * bounds what is live): the budget + 96 MB (608 MB at 512) for the estimates' error and the garbage between
   * collections. The V8 heap fills toward its cap before collecting in earnest, so the cap is most of the worker's
   * RSS: at 1.25x + 96 (736 MB) the 200-fork run sat at the cap with 235-400 MB of branches kept, and the process
   * passed TIMELINE_CACHE_MB + CHECKPOINT_CACHE_MB + 300 MB (docs/benchmarks.md). At + 128 (640 MB) it passed it by
   * 2.8 MB once, with its heap at 618 MB. Was 1.5x + 128 before that.
   */
  private limits(): { maxOldGenerationSizeMb: number } | undefined {
    if (this.options.heapMb) return { maxOldGenerationSizeMb: this.options.heapMb };
    const mb = this.options.checkpointCacheMb;
    return mb ? { maxOldGenerationSizeMb: Math.max(384, mb + 96) } : undefined;
  }

  /** Workers that died (heap limit, crash) and were replaced: wardroom_worker_restarts_total. */
  restarts = 0;
  private closed = false;
  private warmed = false;
  private deaths: number[] = [];
  /** While set, the replacement of a dead worker is waiting out its backoff; calls wait for it. */
  private respawning: Promise<void> | null = null;
  private battles: Promise<BattleInfo[]> | null = null;
  private readonly canonical = new Map<string, Promise<string | null>>();

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const fromTs = import.meta.url.endsWith('.ts');
    const url = new URL(`./worker/timelineWorker.${fromTs ? 'ts' : 'js'}`, import.meta.url);
    // Running from TypeScript sources (tsx, vitest): register tsx's loader in the worker, then load the entry.
    const w = fromTs
      ? new Worker(
          // Resolved here, not in the eval'd worker (which resolves bare names from the cwd).
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true, workerData: this.options, resourceLimits: this.limits() },
        )
      : new Worker(url, { workerData: this.options, resourceLimits: this.limits() });
    w.on('message', (res: WorkerMessage) => {
      if ('progress' in res) {
        const pr = res.progress;
        if (FORK_TRACE) mark('main:progress', `${pr.manifest.branchId.slice(0, 12)} ${pr.early?.length ?? 0}e ${pr.segments.length}s`);
        for (const fn of this.listeners) fn(pr);
        return;
      }
      if ('failed' in res) {
        for (const fn of this.failedListeners) fn(res.failed.battleId, res.failed.branchId);
        return;
      }
      const p = this.pending.get(res.id);
      if (!p) return;
      if ('interim' in res) {
        mark('main:interim', `#${res.id}`);
        p.interim?.(res.interim);
        return;
      }
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else p.reject(toError(res.error.code, res.error.message));
    });
    // A worker that dies (ERR_WORKER_OUT_OF_MEMORY at its heap cap, a crash) takes its calls and its compile queue
    // with it, never the process: each pending call fails with UNAVAILABLE (docs/protocol.md "Errors"), and a
    // fresh worker starts after a backoff and reloads the histories (HISTORY_CACHE_DIR makes that quick).
    const fail = (cause: Error) => {
      if (this.worker !== w) return; // 'error' is followed by 'exit': handled once
      this.worker = null;
      for (const fn of this.resetListeners) fn();
      const err = new AppError('UNAVAILABLE', `the compile worker stopped (${cause.message}); retry`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      if (!this.closed) this.scheduleRespawn();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    w.unref(); // an idle worker must not keep the process alive
    this.worker = w;
    return w;
  }

  /**
   * Backoff before the replacement: 250 ms after one death, doubling with each death in the last minute (at most
   * 16 s), so a request that kills every worker cannot make the process spin on worker start-ups.
   */
  private scheduleRespawn(): void {
    this.restarts++;
    const now = performance.now();
    this.deaths = [...this.deaths.filter((t) => now - t < 60_000), now];
    const delay = Math.min(16_000, 250 * 2 ** (this.deaths.length - 1));
    this.respawning = new Promise<void>((resolve) => {
      setTimeout(() => {
        this.respawning = null;
        resolve();
        if (this.closed || !this.warmed) return;
        // The histories again, as at startup: the fork points rooms play from are there before the next fork asks.
        this.call('warm').catch(() => {}); // a failure here is the next death's, handled by fail()
      }, delay).unref();
    });
  }

  private call<T>(method: Method, ...args: unknown[]): Promise<T> {
    return this.callWith<T>(undefined, method, ...args);
  }

  private async callWith<T>(interim: ((v: unknown) => void) | undefined, method: Method, ...args: unknown[]): Promise<T> {
    if (this.respawning) await this.respawning;
    if (this.closed) throw new AppError('UNAVAILABLE', 'the compile worker is closed');
    const w = this.spawn();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, interim });
      mark('main:post', `${method}#${id}`);
      w.postMessage({ id, method, args } satisfies Request);
    });
  }

  /** Compile every history on the worker (startup). */
  warm(): Promise<void> {
    this.warmed = true;
    return this.call('warm');
  }

  listBattles(): Promise<BattleInfo[]> {
    this.battles ??= this.call<BattleInfo[]>('listBattles');
    this.battles.catch(() => (this.battles = null));
    return this.battles;
  }

  /** From the list once it is known; before, the worker loads this battle's history alone (not every battle's). */
  battle(battleId: string): Promise<BattleInfo | null> {
    if (this.battles) return this.battles.then((list) => list.find((b) => b.id === battleId) ?? null);
    return this.call('battle', battleId);
  }

  canonicalBranchId(battleId: string): Promise<string | null> {
    let p = this.canonical.get(battleId);
    if (!p) {
      p = this.call<string | null>('canonicalBranchId', battleId);
      p.catch(() => this.canonical.delete(battleId));
      this.canonical.set(battleId, p);
    }
    return p;
  }

  /** Whole timelines copied from the worker (each a structured clone of every event: tens of MB for a large battle). */
  timelineTransfers = 0;

  timeline(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<Timeline | null> {
    this.timelineTransfers++;
    return this.call('timeline', battleId, branchId, decisions);
  }

  /** Answered by the worker without its events: a few KB cross, whatever the branch's size. */
  meta(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<TimelineMeta | null> {
    return this.call('meta', battleId, branchId, decisions);
  }

  fork(
    battleId: string,
    parentBranchId: string,
    choice: DecisionChoice,
    parentDecisions?: DecisionChoice[],
    onStarted?: (m: BranchManifest) => void,
  ): Promise<ForkedBranch> {
    let acked = false;
    const interim = (v: unknown) => {
      if (acked) return; // a retry's fork-point segment: the ack went out already
      acked = true;
      onStarted?.(v as BranchManifest);
    };
    return this.forkAttempts(interim, () => acked, battleId, parentBranchId, choice, parentDecisions);
  }

  /**
   * A fork whose worker stops before its ack fails with UNAVAILABLE (the client retries). One acked already is in
   * the room's branches, maybe played: it is compiled again on the next worker (same decisions, same branch), up to
   * FORK_RETRIES times, instead of staying "still being simulated" for good.
   */
  private async forkAttempts(
    interim: (v: unknown) => void,
    acked: () => boolean,
    ...args: [string, string, DecisionChoice, DecisionChoice[] | undefined]
  ): Promise<ForkedBranch> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.callWith<ForkedBranch>(interim, 'fork', ...args);
      } catch (err) {
        const stopped = err instanceof AppError && err.code === 'UNAVAILABLE' && !this.closed;
        if (!stopped || !acked() || attempt >= FORK_RETRIES) throw err;
        this.forkRetries++;
      }
    }
  }

  /** Acked forks compiled again after their worker stopped (see forkAttempts). */
  forkRetries = 0;

  /** The worker's compiled-branch bytes and compile queue. */
  stats(): Promise<EngineStats> {
    return this.call('stats');
  }

  /** The worker's fork trace marks (FORK_TRACE=1; benchmarks), drained. */
  trace(): Promise<TraceMark[]> {
    return this.call('trace');
  }

  onProgress(fn: (p: SegmentProgress) => void): void {
    this.listeners.push(fn);
  }

  private readonly resetListeners: (() => void)[] = [];

  onReset(fn: () => void): void {
    this.resetListeners.push(fn);
  }

  private readonly failedListeners: ((battleId: string, branchId: string) => void)[] = [];

  onFailed(fn: (battleId: string, branchId: string) => void): void {
    this.failedListeners.push(fn);
  }

  manifest(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<BranchManifest | null> {
    return this.call('manifest', battleId, branchId, recipe);
  }

  segment(battleId: string, branchId: string, index: number, recipe?: BranchRecipe): Promise<EncodedSegment | null> {
    return this.call('segment', battleId, branchId, index, recipe);
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new AppError('UNAVAILABLE', 'the compile worker is closed'));
    this.pending.clear();
    if (w) await w.terminate();
  }
}

function toError(code: string | null, message: string): Error {
  if (code === 'NOT_FOUND') return new UnknownBattleError(message);
  if (code === 'BAD_REQUEST') return new BadChoiceError(message);
  if (code) return new AppError(code as AppError['code'], message);
  return new Error(message);
}
