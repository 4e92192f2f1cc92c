import type { BattleInfo, Timeline } from '../shared/battle/timeline.js';
import type { BattleDefinition } from './engine/types.js';
import { battle as secondBattleOfDeepSpace9 } from './second-battle-of-deep-space-9/index.js';
import { battle as battleOfCardassia } from './battle-of-cardassia/index.js';
import { battle as battleOfTerokNor } from './battle-of-terok-nor/index.js';

// The battle registry and the compile/fork API: the one module the server and the CLI import from
// replays/. The registry is the only place that lists battles; everything else (server, CLI, generic
// tests) iterates `battles` and never names a battle. To add one, import its folder's `battle` here.

export type { BattleDefinition } from './engine/types.js';
export {
  compileBattle,
  resumeFromCheckpoint,
  startCompile,
  startFork,
  prepareResume,
  prepareResumeInSlices,
  hasPreparedResume,
  Compilation,
  STEP_MS,
  KEYFRAME_INTERVAL_MS,
} from './engine/compiler.js';
export type { CompiledBranch, Checkpoint, CompileOptions } from './engine/compiler.js';
export { BranchCatalog, BranchNotFoundError, approxBranchBytes, approxSpareBytes, approxTimelineBytes } from './engine/branches.js';
export type { BranchCatalogOptions } from './engine/branches.js';
export { DecisionError, normalizeDecisions, parseChoice, branchIdFor, historicalChoice, isHistorical } from './engine/decisions.js';
export type { DecisionErrorCode } from './engine/decisions.js';

export const battles: BattleDefinition[] = [secondBattleOfDeepSpace9, battleOfCardassia, battleOfTerokNor];

export function battleIds(): string[] {
  return battles.map((b) => b.info.id);
}

export function getBattle(id: string): BattleDefinition | undefined {
  return battles.find((b) => b.info.id === id);
}

/** Static facts about a battle for lobbies and clients; durations and phases come from its compiled history. */
export function battleInfo(def: BattleDefinition, timeline: Pick<Timeline, 'durationMs' | 'phases'>): BattleInfo {
  return {
    ...def.info,
    durationMs: timeline.durationMs,
    phases: timeline.phases.map((p) => ({ id: p.id, title: p.title })),
    decisions: def.decisions.map((d) => ({ id: d.id, title: d.title, prompt: d.prompt, options: d.options })),
  };
}
