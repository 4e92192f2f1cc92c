import type { BranchManifest } from '../../shared/battle/segments.js';
import type { BattleInfo, Timeline, TimelineSummary } from '../../shared/battle/timeline.js';
import type { DecisionChoice } from '../../shared/battle/types.js';
import { AppError } from '../errors.js';

// The server's only view of the engine. Handlers and the playback loop depend on this interface,
// never on engine internals, so the engine can change (or be swapped for fixtures in tests).

export class UnknownBattleError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class BadChoiceError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** What a fork resolves with: the branch without its bulk (a worker need not copy events and keyframes back). */
export type ForkedBranch = Omit<Timeline, 'events' | 'keyframes'>;

/**
 * A branch's metadata: everything but its events and keyframes (phases, decision points, duration, outcome,
 * decisions, fork), plus its event count. What room commands need; a few KB where the whole timeline of a
 * 20,000-unit branch is tens of MB.
 */
export type TimelineMeta = TimelineSummary;

export interface TimelineService {
  listBattles(): Promise<BattleInfo[]>;
  battle(battleId: string): Promise<BattleInfo | null>;
  /** Canonical (history) branch id of a battle, null for an unknown battle. */
  canonicalBranchId(battleId: string): Promise<string | null>;
  /**
   * A branch's timeline; undefined branchId = history. `decisions` lets a process that never saw the
   * branch rebuild it (branch ids are a hash of battle + decisions, the decisions come from the store).
   * null when the battle or branch is unknown.
   */
  timeline(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<Timeline | null>;
  /**
   * A branch's metadata (as timeline(), without events and keyframes): what room commands read. A worker answers
   * it without copying the events across threads; a branch it evicted is rebuilt only if its metadata is gone too.
   */
  meta(battleId: string, branchId?: string, decisions?: DecisionChoice[]): Promise<TimelineMeta | null>;
  /**
   * Compile a what-if branch: parent's decisions plus `choice`. Throws BadChoiceError / UnknownBattleError.
   * Resolves with the branch (maybe without events and keyframes: fetch those with timeline() when needed).
   * A progressive service calls `onStarted` with the branch's manifest once the segment holding the fork
   * point is built (before resolving), while the rest is still being simulated.
   */
  fork(
    battleId: string,
    parentBranchId: string,
    choice: DecisionChoice,
    parentDecisions?: DecisionChoice[],
    onStarted?: (m: BranchManifest) => void,
  ): Promise<ForkedBranch>;
  /** Release resources (worker threads). */
  close?(): Promise<void>;
}
