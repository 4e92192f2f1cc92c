import { summarizeTimeline, type BattleInfo, type Timeline } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { BadChoiceError, type TimelineMeta, type TimelineService } from './TimelineService.js';

/**
 * A TimelineService over already-built timelines (tests, or a server started from precompiled data).
 * Forks are only possible for branches registered up front under their decisions.
 */
export class StaticTimelineService implements TimelineService {
  private readonly battles = new Map<string, { info: BattleInfo; canonical: Timeline; branches: Map<string, Timeline> }>();

  add(info: BattleInfo, canonical: Timeline, others: Timeline[] = []): this {
    const branches = new Map<string, Timeline>([[canonical.branchId, canonical]]);
    for (const t of others) branches.set(t.branchId, t);
    this.battles.set(info.id, { info, canonical, branches });
    return this;
  }

  async listBattles(): Promise<BattleInfo[]> {
    return [...this.battles.values()].map((b) => b.info);
  }

  async battle(battleId: string): Promise<BattleInfo | null> {
    return this.battles.get(battleId)?.info ?? null;
  }

  async canonicalBranchId(battleId: string): Promise<string | null> {
    return this.battles.get(battleId)?.canonical.branchId ?? null;
  }

  async timeline(battleId: string, branchId?: string): Promise<Timeline | null> {
    const b = this.battles.get(battleId);
    if (!b) return null;
    return branchId === undefined ? b.canonical : (b.branches.get(branchId) ?? null);
  }

  async meta(battleId: string, branchId?: string): Promise<TimelineMeta | null> {
    const tl = await this.timeline(battleId, branchId);
    return tl && summarizeTimeline(tl);
  }

  async fork(battleId: string, _parent: string, choice: DecisionChoice): Promise<Timeline> {
    const b = this.battles.get(battleId);
    const hit =
      b &&
      [...b.branches.values()].find((t) => t.decisions.some((d) => d.decisionId === choice.decisionId && d.optionId === choice.optionId));
    if (!hit) throw new BadChoiceError(`no precompiled branch for ${choice.decisionId}=${choice.optionId}`);
    return hit;
  }
}
