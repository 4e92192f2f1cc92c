import type { Field, Objective, SideId, Unit, Vec2 } from './types.js';

/** The world at a moment of a timeline: what a keyframe carries and what the reducer folds into. */
export interface WorldState {
  /** Playback time (ms) of the last applied event. */
  t: number;
  /** seq of the next event to apply (number of events folded so far). */
  nextSeq: number;
  units: Record<string, Unit>;
  phaseId: string | null;
  phaseTitle: string | null;
  /** In-universe time label of the current phase. */
  label: string | null;
  caption: string | null;
  objectives: Record<string, Objective>;
  fields: Record<string, Field>;
  ended: { winner: SideId | null; summary: string } | null;
}

export function emptyWorld(): WorldState {
  return {
    t: 0,
    nextSeq: 0,
    units: {},
    phaseId: null,
    phaseTitle: null,
    label: null,
    caption: null,
    objectives: {},
    fields: {},
    ended: null,
  };
}

/** Dead-reckoned position of a unit at playback time t (ms). */
export function positionAt(unit: Unit, t: number): Vec2 {
  const dt = (t - unit.t0) / 1000;
  return { x: unit.pos.x + unit.vel.x * dt, y: unit.pos.y + unit.vel.y * dt };
}

export function isAlive(unit: Unit): boolean {
  return unit.status !== 'destroyed' && unit.status !== 'retreated' && unit.status !== 'evacuated';
}

export interface SideStrength {
  side: SideId;
  ships: number;
  stations: number;
  /** Sum of hull fractions of living combat units: a rough "strength" figure for charts. */
  strength: number;
}

/**
 * Adds one unit to its side's counts: decoys are left out, a side appears once it has any unit (so a side that has
 * lost everything still shows 0), and only living units count. The one rule behind every force count (the outcome
 * summary, the manifest's strength series, the side panel's tally over a few frames).
 */
export function countUnit(out: Record<SideId, SideStrength>, u: Unit): void {
  if (u.kind === 'decoy') return;
  const s = (out[u.side] ??= { side: u.side, ships: 0, stations: 0, strength: 0 });
  if (!isAlive(u)) return;
  if (u.kind === 'ship') s.ships++;
  else s.stations++;
  s.strength += u.maxHull > 0 ? u.hull / u.maxHull : 0;
}

/** Live counts per side (decoys excluded): used by the side panel and the outcome summary. */
export function strengthBySide(state: WorldState): Record<SideId, SideStrength> {
  const out: Record<SideId, SideStrength> = {};
  for (const u of Object.values(state.units)) countUnit(out, u);
  return out;
}
