import type { BattleEvent } from './events.js';
import type { WorldState } from './state.js';
import type { BattleMap, DecisionChoice, DecisionOptionInfo, SideId, SideInfo } from './types.js';

export interface PhaseSpan {
  id: string;
  title: string;
  /** In-universe time label (phases may compress in-universe time). */
  label: string;
  /** What is happening, paraphrased from the seed. */
  caption: string;
  startMs: number;
  endMs: number;
}

export interface DecisionPointInfo {
  id: string;
  title: string;
  /** Who decides and what is at stake, one sentence. */
  prompt: string;
  options: DecisionOptionInfo[];
  /** Playback time the machine reached this point on this branch; null when never reached. */
  atMs: number | null;
  /** seq of the `decision:point` event (the fork point), null when never reached. */
  seq: number | null;
  chosen: DecisionChoice | null;
}

export interface Keyframe {
  t: number;
  /** The state after folding every event with seq < state.nextSeq. */
  state: WorldState;
}

export interface SideLosses {
  ships: number;
  stations: number;
}

export interface Outcome {
  winner: SideId | null;
  summary: string;
  losses: Record<SideId, SideLosses>;
  /** Short statements of what happened on this branch (objectives reached or missed, named moments). */
  facts: string[];
  objectives: Record<string, { label: string; status: 'pending' | 'complete' | 'failed' }>;
}

export interface ForceCount {
  ships: number;
  stations: number;
}

/**
 * Everything a side put into a branch (see countForces in forces.ts). `ships`/`stations` count every
 * unit that entered the battle on this side, at t = 0 or arriving later (decoys excluded), each once.
 */
export interface SideForces extends ForceCount {
  /** The part of them on the map at t = 0. */
  atStart: ForceCount;
  /** Units of other sides that came over to this one during the battle (counted on their first side). */
  joined: ForceCount;
  /** Units of this side that went over to another. */
  defected: ForceCount;
}

/** Static facts about a battle: what the lobby lists and the client needs before any event. */
export interface BattleInfo {
  id: string;
  title: string;
  summary: string;
  year: string;
  location: string;
  /** Name of the seed file in ../shared/seeds/ the battle paraphrases. */
  seedFile: string;
  sides: SideInfo[];
  map: BattleMap;
  durationMs: number;
  phases: { id: string; title: string }[];
  decisions: { id: string; title: string; prompt: string; options: DecisionOptionInfo[] }[];
}

export interface Timeline {
  battleId: string;
  branchId: string;
  /** The branch this one forked from (null for history). */
  parentBranchId: string | null;
  /** Normalized decisions that differ from history, sorted by decisionId. */
  decisions: DecisionChoice[];
  seed: number;
  durationMs: number;
  events: BattleEvent[];
  eventsSha256: string;
  phases: PhaseSpan[];
  decisionPoints: DecisionPointInfo[];
  keyframeIntervalMs: number;
  keyframes: Keyframe[];
  /** Every unit that takes part, by side, with those on the map at t = 0 in `atStart`. */
  forces: Record<SideId, SideForces>;
  outcome: Outcome;
  /** Where this branch leaves its parent: shared events are seq < fork.seq. */
  fork: { decisionId: string; atMs: number; seq: number } | null;
}

/** Timeline without the bulky parts, for HTTP listings and room state. */
export type TimelineSummary = Omit<Timeline, 'events' | 'keyframes'> & { eventCount: number };

export function summarizeTimeline(tl: Timeline): TimelineSummary {
  const { events, keyframes: _k, ...rest } = tl;
  return { ...rest, eventCount: events.length };
}
