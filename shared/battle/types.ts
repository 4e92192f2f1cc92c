// The battle model shared by the simulation (server) and the renderer (client).
// Positions are in map units; velocities in map units per second of playback time.
// Events describe changes, not frames: a unit's position at time t is pos + vel * (t - t0) / 1000.

export type SideId = string;

export interface Vec2 {
  x: number;
  y: number;
}

export type UnitKind = 'ship' | 'station' | 'platform' | 'decoy';

export type UnitStatus = 'active' | 'destroyed' | 'retreated' | 'disabled' | 'surrendered' | 'evacuated' | 'cloaked';

export type WeaponKind = 'phaser' | 'disruptor' | 'polaron' | 'torpedo' | 'cannon' | 'plasma';

export interface Weapon {
  kind: WeaponKind;
  range: number;
  /** Damage per hit before shields. */
  damage: number;
  cooldownMs: number;
  /** Base hit chance at point-blank range, 0..1; falls off linearly to half at max range. */
  accuracy: number;
  /** Dead zone: the weapon cannot bear on targets closer than this (e.g. heavy batteries vs a ship circling at point-blank). */
  minRange?: number;
}

/** A station's shield generator section (e.g. DS9's outer docking ring section 17). */
export interface ShieldSection {
  id: string;
  label: string;
  shields: number;
  maxShields: number;
}

export interface Unit {
  id: string;
  side: SideId;
  kind: UnitKind;
  /** Ship class key, e.g. 'galor', 'jemhadar-attack-ship', 'defiant'. */
  cls: string;
  name: string;
  commander?: string;
  /** Force group the unit spawned in (scenario-defined). Later `detach` orders regroup units inside the
   *  simulation only; no event carries that, as nothing outside the engine addresses groups. */
  group: string;
  /** Position at time t0. */
  pos: Vec2;
  vel: Vec2;
  t0: number;
  /** Radians, 0 = +x, counter-clockwise toward +y. */
  heading: number;
  shields: number;
  maxShields: number;
  hull: number;
  maxHull: number;
  weapons: Weapon[];
  status: UnitStatus;
  /** Drawn size hint in map units. */
  size: number;
  sections?: ShieldSection[];
}

export type FeatureKind = 'station' | 'wormhole' | 'planet' | 'border' | 'shipyard' | 'city' | 'label' | 'zone';

export interface MapFeature {
  id: string;
  kind: FeatureKind;
  label: string;
  pos: Vec2;
  radius?: number;
  /** Polyline for borders and zones. */
  points?: Vec2[];
}

export interface BattleMap {
  width: number;
  height: number;
  /** What one map unit represents, for the scale bar (e.g. '1 unit = 100 km'). */
  scaleLabel: string;
  features: MapFeature[];
}

export interface SideInfo {
  id: SideId;
  name: string;
  color: string;
  commanders: string[];
}

export type ObjectiveStatus = 'pending' | 'complete' | 'failed';

export interface Objective {
  id: string;
  label: string;
  side: SideId;
  progress: number;
  status: ObjectiveStatus;
}

/** A minefield or similar area effect, laid over time. */
export interface Field {
  id: string;
  kind: 'minefield';
  label: string;
  center: Vec2;
  radius: number;
  progress: number;
  active: boolean;
  cloaked: boolean;
  /** Mines replicated to replace destroyed ones (self-replicating minefield). */
  replicated: number;
}

export type EffectKind = 'explosion' | 'strike' | 'warp-in' | 'warp-out' | 'wormhole-open' | 'wormhole-blocked' | 'beam-down';

export interface DecisionOptionInfo {
  id: string;
  label: string;
  historical: boolean;
  /** A quantity the command carries (e.g. attack wings), with its allowed range. */
  param?: { label: string; min: number; max: number; step: number; default: number; unit: string };
}

export interface DecisionChoice {
  decisionId: string;
  optionId: string;
  value?: number;
}
