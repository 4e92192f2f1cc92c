import type { AnyStateMachine } from 'xstate';
import type { BattleInfo } from '../../shared/battle/timeline.js';
import type {
  DecisionOptionInfo,
  EffectKind,
  ObjectiveStatus,
  SideId,
  UnitKind,
  UnitStatus,
  Vec2,
  Weapon,
} from '../../shared/battle/types.js';

// The authoring contract between a battle (replays/<battle>/) and the engine (simulation + compiler).
//
// A battle machine is an XState machine built with setup(). It:
//  - receives TICK events every simulation step, carrying Facts about the world (guards read them),
//  - receives DECIDE events at decision points (states tagged 'decision' with meta {decisionId}),
//  - emits BattleCommands (phases, captions, orders for the simulation, objectives, effects, the end).
// It never computes combat itself: outcomes come from the simulation under the orders it gives.
// Build it on the authoring kit (kit.ts, battleSetup). Rules for authors: no spawned children and no
// parallel regions (compound parent states are fine), put no `after`
// timers on decision states, keep context JSON-serializable.

/** Stats of a unit class; see replays/engine/classes.ts for the shared catalogue. */
export interface UnitClassStats {
  kind: UnitKind;
  label: string;
  /** Max speed in map units per second of playback. 0 for stations. */
  speed: number;
  shields: number;
  hull: number;
  size: number;
  weapons: Weapon[];
}

export type Formation = 'grid' | 'wedge' | 'ring' | 'line' | 'scatter';

/** A formation to re-form into on a move (see Order 'move'). */
export interface Reform {
  formation: Formation;
  /** Distance between neighbouring units, map units. */
  spacing: number;
  /** Radians; default: the direction of travel. */
  heading?: number;
}

export interface ForceGroupSpec {
  /** Group id, unique within the battle; orders address groups. */
  group: string;
  side: SideId;
  /** Key into the class catalogue (replays/engine/classes.ts). */
  cls: string;
  count: number;
  /** Names for the first units (e.g. ['USS Defiant']); the rest are `${namePrefix} ${n}`. */
  names?: string[];
  namePrefix?: string;
  /** Explicit ids for the first units (e.g. ['defiant']); the rest are `${group}-${n}`. */
  ids?: string[];
  commander?: string;
  at: Vec2;
  /** Radius the formation spreads over, map units. */
  spread: number;
  formation?: Formation;
  heading?: number;
  /** Not on the map at the start; brought in by a `spawn` order. */
  reserve?: boolean;
  /** Per-group overrides of class stats. */
  stats?: Partial<UnitClassStats>;
  /** Station shield generator sections. */
  sections?: { id: string; label: string; maxShields: number }[];
}

export interface FieldSpec {
  id: string;
  label: string;
  center: Vec2;
  radius: number;
  /** Layer-seconds of work needed to finish the field (progress 0..1). */
  workSeconds: number;
  cloaked: boolean;
  /** Side that owns the field; units of other sides inside an active field are struck by mines. */
  side: SideId;
}

/** Who an attack order targets: a group id, or every unit of a side with `side:<id>`. */
export type TargetRef = string;

export type Order =
  /** Bring a reserve group onto the map at its spec position (optionally elsewhere), with a warp-in effect. */
  | { kind: 'spawn'; group: string; at?: Vec2 }
  /**
   * Move a group keeping formation; units continue to fire at enemies in range. With `reform`, the
   * survivors close up into a fresh formation at `to` (neighbours `spacing` apart, facing `heading`,
   * default the way they travel) instead of keeping the shape a fight left them in.
   */
  | { kind: 'move'; group: string; to: Vec2; speed?: number; reform?: Reform }
  /**
   * Engage: each unit picks the nearest living target in `target`, closes to a fraction of its weapon
   * range ('standoff' 0.8, 'close' 0.35, 'pointblank' 0.1) and fires. Stations engage without moving
   * (the order only sets their priority targets). `section` focuses fire on a station shield section.
   */
  | { kind: 'attack'; group: string; target: TargetRef; range?: 'standoff' | 'close' | 'pointblank'; section?: string }
  /** Stop and hold position (still firing at enemies in range). */
  | { kind: 'hold'; group: string }
  /** Move `count` living units from group `from` into a new group `to` (e.g. N attack wings). */
  | { kind: 'detach'; from: string; to: string; count: number }
  /** Units of the group lay the field while inside it; progress slows while they are under fire. */
  | { kind: 'layMines'; group: string; field: string }
  /** Spawn `count` decoy contacts (warp shadows) at the group's position moving to `to`; they last `ttlMs`. */
  | { kind: 'decoys'; group: string; decoyGroup: string; count: number; to: Vec2; ttlMs: number }
  /** Leave the map toward `to`; units reaching it are marked 'retreated'. */
  | { kind: 'retreat'; group: string; to: Vec2 }
  /** Set a status on every living unit of a group (e.g. 'disabled' for sabotage, 'evacuated'). */
  | { kind: 'status'; group: string; status: UnitStatus; reason: string }
  /** Every living unit of the group joins another side. */
  | { kind: 'side'; group: string; side: SideId }
  /** Every living unit of the side surrenders: stops moving and firing. */
  | { kind: 'surrender'; side: SideId }
  /** Stop all fire between the sides (e.g. a ceasefire before the battle is joined). */
  | { kind: 'ceasefire'; active: boolean }
  /** Advance a named counter by ratePerSec each second, while the group (if given) has living units. */
  | { kind: 'progress'; counter: string; ratePerSec: number; group?: string };

export type BattleCommand =
  | { type: 'phase'; phaseId: string; title: string; label: string; caption: string }
  | { type: 'caption'; text: string }
  | { type: 'order'; order: Order }
  | { type: 'objective'; id: string; label: string; side: SideId; status: ObjectiveStatus; progress?: number }
  | { type: 'effect'; kind: EffectKind; pos: Vec2; radius: number; label?: string }
  /** A statement for the outcome's facts list (e.g. 'Program Sisko 197 activated'). */
  | { type: 'fact'; text: string }
  | { type: 'end'; winner: SideId | null; summary: string };

export interface GroupFacts {
  alive: number;
  total: number;
  /** Mean hull fraction of living units (0 when none). */
  hull: number;
  /** Mean shield fraction of living units (0 when none). */
  shields: number;
}

export interface UnitFacts {
  status: UnitStatus;
  shields: number;
  hull: number;
  /** Shield fraction per station section. */
  sections: Record<string, number>;
}

export interface Facts {
  t: number;
  groups: Record<string, GroupFacts>;
  sides: Record<SideId, { ships: number; stations: number }>;
  /** Only units listed in BattleDefinition.notable. */
  units: Record<string, UnitFacts>;
  fields: Record<string, { progress: number; active: boolean; replicated: number }>;
  counters: Record<string, number>;
  /** Units of the side destroyed so far. */
  losses: Record<SideId, { ships: number; stations: number }>;
}

export type MachineEvent =
  | { type: 'TICK'; t: number; facts: Facts }
  | { type: 'DECIDE'; decisionId: string; optionId: string; value?: number };

export interface DecisionSpec {
  id: string;
  title: string;
  prompt: string;
  /** Exactly one option is historical; a quantity option's param.default is the historical value. */
  options: DecisionOptionInfo[];
}

export interface BattleDefinition {
  info: Omit<BattleInfo, 'durationMs' | 'phases' | 'decisions'>;
  /** Canonical RNG seed: history is compiled with it. */
  seed: number;
  forces: ForceGroupSpec[];
  fields?: FieldSpec[];
  /** Unit ids whose state is reported in Facts.units. */
  notable?: string[];
  decisions: DecisionSpec[];
  /** Machine events are MachineEvent; emitted events are BattleCommand. */
  machine: AnyStateMachine;
  /** Safety cap on playback length (the machine should end well before), <= 15 min. */
  maxDurationMs: number;
  /**
   * Send each step's shots as one `unit:volley` instead of a `unit:fire` per shot (issue #14: at 20,000 units
   * nine events in ten were shots). The simulation is the same; only the events that tell it change. Off by default.
   */
  volleys?: boolean;
}
