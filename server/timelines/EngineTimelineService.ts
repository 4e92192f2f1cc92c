import { segmentIndexAt, type BranchManifest } from '../../shared/battle/segments.js';
import type { BattleInfo, Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battleInfo, battles, getBattle, BranchCatalog, BranchNotFoundError, DecisionError, type Compilation } from '../../replays/index.js';
import { viewOfTimeline, type BranchView, type SegmentBuilder } from './segments/builder.js';
import type { EncodedSegment } from './segments/encode.js';
import { Segmenter } from './segments/Segmenter.js';
import type { SegmentProgress, SegmentSource } from './segments/types.js';
import { BadChoiceError, UnknownBattleError, type TimelineService } from './TimelineService.js';

/** A fork being simulated progressively. */
interface InFlight {
  builder: SegmentBuilder;
  view: () => BranchView;
  started: Promise<BranchManifest>;
  done: Promise<Timeline>;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * TimelineService over the engine: the battle registry plus a BranchCatalog of compiled branches. Also the
 * segment builder (SegmentSource): forks are simulated a segment at a time, and each segment is encoded and
 * pushed (onProgress) as soon as it is final, so a what-if plays before it is fully compiled.
 */
export class EngineTimelineService implements TimelineService, SegmentSource {
  private readonly catalog: BranchCatalog;
  private readonly listeners: ((p: SegmentProgress) => void)[] = [];
  private readonly segmenter = new Segmenter((p) => this.listeners.forEach((fn) => fn(p)));
  private readonly inflight = new Map<string, InFlight>();

  constructor(opts: { maxBranches?: number; checkpointCacheMb?: number } = {}) {
    this.catalog = new BranchCatalog(getBattle, { maxBranches: opts.maxBranches ?? 64 });
  }

  /** Compile every battle's history up front, and encode its segments, so the first visitor does not wait. */
  async warm(): Promise<void> {
    for (const def of battles) this.segmenter.complete((await this.catalog.history(def.info.id)).timeline);
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
    // Another process created this branch: recompile from its recorded decisions (same id, same events).
    try {
      const compiled = await this.catalog.compile(battleId, decisions);
      return compiled.timeline.branchId === branchId ? compiled.timeline : null;
    } catch (err) {
      if (err instanceof DecisionError) return null;
      throw err;
    }
  }

  async fork(
    battleId: string,
    parentBranchId: string,
    choice: DecisionChoice,
    parentDecisions?: DecisionChoice[],
    onStarted?: (m: BranchManifest) => void,
  ): Promise<Timeline> {
    if (!getBattle(battleId)) throw new UnknownBattleError(`unknown battle ${battleId}`);
    let prepared: Awaited<ReturnType<BranchCatalog['prepareFork']>>;
    try {
      if (!(await this.catalog.get(battleId, parentBranchId)) && parentDecisions) await this.catalog.compile(battleId, parentDecisions);
      prepared = await this.catalog.prepareFork(battleId, parentBranchId, choice);
    } catch (err) {
      if (err instanceof DecisionError) throw new BadChoiceError(err.message);
      if (err instanceof BranchNotFoundError) throw new UnknownBattleError(err.message);
      throw err;
    }
    if ('branch' in prepared) {
      const tl = prepared.branch.timeline;
      if (onStarted) onStarted(this.segmenter.complete(tl, await this.parentManifest(tl)));
      return tl;
    }
    const key = `${battleId}/${prepared.branchId}`;
    let run = this.inflight.get(key);
    if (!run) {
      // Synchronous from here to the set: a second ask for the same fork joins this run.
      run = this.progressive(prepared.start(), this.parentManifestNow(prepared.parent.timeline));
      this.inflight.set(key, run);
      const done = () => this.inflight.delete(key);
      run.done.then(done, done);
    }
    if (onStarted) onStarted(await run.started);
    return run.done;
  }

  /** Simulate a fork a segment at a time, publishing each segment as it becomes final. */
  private progressive(comp: Compilation, parent: BranchManifest | null): InFlight {
    const meta = comp.meta;
    const builder = this.segmenter.start(meta.battleId, meta.branchId, parent, meta.fork);
    const view = (): BranchView => ({ ...meta, events: comp.events, keyframes: comp.keyframes, compiledMs: comp.compiledMs, complete: false, ...comp.partial(), final: null });
    const S = this.segmenter.segmentMs;
    const forkIndex = meta.fork ? segmentIndexAt(meta.fork.atMs, S) : 0;
    let started!: (m: BranchManifest) => void;
    const startedP = new Promise<BranchManifest>((resolve) => (started = resolve));
    const done = (async () => {
      let manifest: BranchManifest | null = null;
      for (;;) {
        const more = comp.advanceTo((Math.max(builder.manifest?.segments.length ?? 0, forkIndex) + 1) * S);
        if (!more) break;
        manifest = this.segmenter.advance(builder, view());
        if (manifest.segments.length > forkIndex) started(manifest);
        await yieldToLoop(); // let other requests (and other forks) in between segments
      }
      const compiled = this.catalog.adopt(meta.battleId, comp.result());
      started(this.segmenter.advance(builder, viewOfTimeline(compiled.timeline)));
      return compiled.timeline;
    })();
    return { builder, view, started: startedP, done };
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
    const known = this.segmenter.peek(tl.battleId, tl.branchId)?.manifest;
    return known?.complete ? known : this.segmenter.complete(tl, await this.parentManifest(tl));
  }

  // ---- SegmentSource -----------------------------------------------------------------------------

  onProgress(fn: (p: SegmentProgress) => void): void {
    this.listeners.push(fn);
  }

  async manifest(battleId: string, branchId: string, decisions?: DecisionChoice[]): Promise<BranchManifest | null> {
    const running = this.inflight.get(`${battleId}/${branchId}`);
    if (running?.builder.manifest) return running.builder.manifest;
    const tl = await this.timeline(battleId, branchId, decisions);
    return tl ? this.manifestOf(tl) : null;
  }

  async segment(battleId: string, branchId: string, index: number, decisions?: DecisionChoice[]): Promise<EncodedSegment | null> {
    const running = this.inflight.get(`${battleId}/${branchId}`);
    if (running) return running.builder.rebuild(running.view(), index);
    const tl = await this.timeline(battleId, branchId, decisions);
    if (!tl) return null;
    return this.segmenter.segment(tl, index, await this.parentManifest(tl));
  }
}
