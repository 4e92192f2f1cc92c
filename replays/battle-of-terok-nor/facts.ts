import type { Facts } from '../engine/index.js';
import { BOP_IDS, G, GALOR_IDS, U } from './scenario.js';

// Small readers over the simulation's Facts: the machine's guards and its end summary use them,
// so every branch's course and outcome come from the simulated world, not from a script.

export function groupAlive(f: Facts, group: string): number {
  return f.groups[group]?.alive ?? 0;
}

export function groupHull(f: Facts, group: string): number {
  return f.groups[group]?.hull ?? 0;
}

export function groupShields(f: Facts, group: string): number {
  return f.groups[group]?.shields ?? 0;
}

function countStatus(f: Facts, ids: readonly string[], status: string): number {
  let n = 0;
  for (const id of ids) if (f.units[id]?.status === status) n++;
  return n;
}

export function bopsDestroyed(f: Facts): number {
  return countStatus(f, BOP_IDS, 'destroyed');
}

export function galorsDestroyed(f: Facts): number {
  return countStatus(f, GALOR_IDS, 'destroyed');
}

export function unitStatus(f: Facts, id: string): string {
  return f.units[id]?.status ?? 'unknown';
}

export function destroyed(f: Facts, id: string): boolean {
  return unitStatus(f, id) === 'destroyed';
}

/** Alliance ships still fighting on the map (not destroyed, not withdrawn). */
export function allianceOnMap(f: Facts): number {
  return groupAlive(f, G.flagship) + groupAlive(f, G.galors) + groupAlive(f, G.bops) + groupAlive(f, G.hunter);
}

/** The compact, JSON-serializable digest the machine keeps in its context for the end summary. */
export interface Digest {
  t: number;
  refit: number;
  stationAlive: boolean;
  stationHull: number;
  defiantStatus: string;
  defiantHull: number;
  raiderStatus: string;
  flagshipStatus: string;
  flagshipHull: number;
  bopsDestroyed: number;
  galorsDestroyed: number;
  allianceOnMap: number;
  rebelLosses: number;
}

export function digest(f: Facts, prev: Digest | null): Digest {
  // Group hull is a mean over living units: once the flagship has left, keep its last seen hull.
  const flagshipHere = groupAlive(f, G.flagship) > 0;
  return {
    t: f.t,
    refit: f.counters.refit ?? 0,
    stationAlive: !destroyed(f, U.station),
    stationHull: groupHull(f, G.station),
    defiantStatus: unitStatus(f, U.defiant),
    defiantHull: groupAlive(f, G.defiant) > 0 ? groupHull(f, G.defiant) : (prev?.defiantHull ?? 0),
    raiderStatus: unitStatus(f, U.raider),
    flagshipStatus: unitStatus(f, U.flagship),
    flagshipHull: flagshipHere ? groupHull(f, G.flagship) : (prev?.flagshipHull ?? 0),
    bopsDestroyed: bopsDestroyed(f),
    galorsDestroyed: galorsDestroyed(f),
    allianceOnMap: allianceOnMap(f),
    rebelLosses: (f.losses.rebellion?.ships ?? 0) + (f.losses.rebellion?.stations ?? 0),
  };
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** Winner and summary from the final digest: who holds the station and what became of the flagship. */
export function verdict(d: Digest | null): { winner: string | null; summary: string } {
  if (!d) return { winner: null, summary: 'The battle ended before it was joined.' };
  const allianceLosses = `${d.bopsDestroyed} Bird${d.bopsDestroyed === 1 ? '' : 's'}-of-Prey and ${d.galorsDestroyed} Galor${d.galorsDestroyed === 1 ? '' : 's'} destroyed`;
  const rebel =
    d.rebelLosses === 0 ? 'the rebellion lost no ships' : `the rebellion lost ${d.rebelLosses} ship${d.rebelLosses === 1 ? '' : 's'}`;
  const defiant = d.defiantStatus === 'destroyed' ? 'the Defiant was destroyed' : `the Defiant survived at ${pct(d.defiantHull)} hull`;
  if (!d.stationAlive) {
    return { winner: 'alliance', summary: `Terok Nor fell to the Alliance; ${defiant}; ${allianceLosses}.` };
  }
  if (d.flagshipStatus === 'destroyed') {
    return {
      winner: 'rebellion',
      summary: `Terok Nor held and the Regent's flagship was destroyed; ${allianceLosses}; ${defiant}; ${rebel}.`,
    };
  }
  if (d.flagshipStatus === 'retreated' || d.allianceOnMap === 0) {
    return {
      winner: 'rebellion',
      summary: `Terok Nor held: the Regent withdrew with his flagship at ${pct(d.flagshipHull)} hull; ${allianceLosses}; ${defiant}; ${rebel}.`,
    };
  }
  if (d.defiantStatus === 'destroyed') {
    return {
      winner: 'alliance',
      summary: `The Defiant was destroyed and the Alliance fleet holds the approaches to a battered Terok Nor (${pct(d.stationHull)} hull); ${allianceLosses}.`,
    };
  }
  return {
    winner: null,
    summary: `No decision: Terok Nor still stands (${pct(d.stationHull)} hull) with the Alliance fleet on station; ${allianceLosses}.`,
  };
}
