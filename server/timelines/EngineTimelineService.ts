import type { BattleInfo, Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { battleInfo, battles, getBattle, BranchCatalog, BranchNotFoundError, DecisionError } from '../../replays/index.js';
import { BadChoiceError, UnknownBattleError, type TimelineService } from './TimelineService.js';

/** TimelineService over the engine: the battle registry plus a BranchCatalog of compiled branches. */
export class EngineTimelineService implements TimelineService {
  private readonly catalog: BranchCatalog;

  constructor(opts: { maxBranches?: number } = {}) {
    this.catalog = new BranchCatalog(getBattle, { maxBranches: opts.maxBranches ?? 64 });
  }

  /** Compile every battle's history up front, so the first visitor does not wait. */
  async warm(): Promise<void> {
    for (const def of battles) await this.catalog.history(def.info.id);
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

  async fork(battleId: string, parentBranchId: string, choice: DecisionChoice, parentDecisions?: DecisionChoice[]): Promise<Timeline> {
    if (!getBattle(battleId)) throw new UnknownBattleError(`unknown battle ${battleId}`);
    try {
      if (!(await this.catalog.get(battleId, parentBranchId)) && parentDecisions) await this.catalog.compile(battleId, parentDecisions);
      return (await this.catalog.fork(battleId, parentBranchId, choice)).timeline;
    } catch (err) {
      if (err instanceof DecisionError) throw new BadChoiceError(err.message);
      if (err instanceof BranchNotFoundError) throw new UnknownBattleError(err.message);
      throw err;
    }
  }
}
