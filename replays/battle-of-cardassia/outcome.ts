import type { BattleCommand, Facts } from '../engine/index.js';
import { formatCount as n } from '../../shared/battle/forces.js';
import type { SideId } from '../../shared/battle/types.js';
import { ALLIANCE_GROUPS, CARDASSIAN_GROUPS, COMMS_GROUPS } from './scenario.js';

// What the machine remembers of the world between ticks, and how the end of the battle is judged
// from it. Everything here is read from simulation facts: the winner is never scripted.

export interface Tally {
  t: number;
  /** Living ships per side (surrendered ships still count: they are intact, not destroyed). */
  allianceShips: number;
  dominionShips: number;
  dominionStations: number;
  /** The Alliance invasion fleet proper (Federation, Klingon, Romulan groups). */
  fleetAlive: number;
  fleetTotal: number;
  dominionShipsLost: number;
  dominionStationsLost: number;
  commsAlive: number;
  cardassiansAlive: number;
}

export const emptyTally = (): Tally => ({
  t: 0,
  allianceShips: 0,
  dominionShips: 0,
  dominionStations: 0,
  fleetAlive: 0,
  fleetTotal: 0,
  dominionShipsLost: 0,
  dominionStationsLost: 0,
  commsAlive: 0,
  cardassiansAlive: 0,
});

const sum = (f: Facts, groups: readonly string[], key: 'alive' | 'total') => groups.reduce((n, g) => n + (f.groups[g]?.[key] ?? 0), 0);

export function tally(f: Facts): Tally {
  return {
    t: f.t,
    allianceShips: f.sides.alliance?.ships ?? 0,
    dominionShips: f.sides.dominion?.ships ?? 0,
    dominionStations: f.sides.dominion?.stations ?? 0,
    fleetAlive: sum(f, ALLIANCE_GROUPS, 'alive'),
    fleetTotal: sum(f, ALLIANCE_GROUPS, 'total'),
    dominionShipsLost: f.losses.dominion?.ships ?? 0,
    dominionStationsLost: f.losses.dominion?.stations ?? 0,
    commsAlive: sum(f, COMMS_GROUPS, 'alive'),
    cardassiansAlive: sum(f, CARDASSIAN_GROUPS, 'alive'),
  };
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((100 * part) / whole) : 0);

/** The seed: "the Alliance was projected to lose over 40% of their ships". */
export const PROJECTED_LOSS_PCT = 40;

/** A side is broken when it keeps less than this share of what it had when the final battle began. */
export const BROKEN_SHARE = 0.15;

export function isDecided(start: Tally, now: Tally): boolean {
  const alliance = now.allianceShips / Math.max(1, start.allianceShips);
  const dominion = (now.dominionShips + now.dominionStations) / Math.max(1, start.dominionShips + start.dominionStations);
  return alliance < BROKEN_SHARE || dominion < BROKEN_SHARE;
}

/** The end after a surrender: whoever still has fighting ships when the other side laid down arms. */
export function surrenderEnd(now: Tally): BattleCommand {
  const fleetLost = now.fleetTotal - now.fleetAlive;
  const winner: SideId | null = now.allianceShips > 0 ? 'alliance' : null;
  const summary =
    `The Dominion surrendered with ${n(now.dominionShips)} ships and ${n(now.dominionStations)} stations and platforms still intact; ` +
    `the Alliance held Cardassia Prime, having lost ${n(fleetLost)} of ${n(now.fleetTotal)} invasion ships (${pct(fleetLost, now.fleetTotal)}%), ` +
    `far from the over ${PROJECTED_LOSS_PCT}% it had been projected to lose, against ${n(now.dominionShipsLost)} Dominion ships destroyed. ` +
    'The Dominion War was over.';
  return { type: 'end', winner, summary };
}

/** The end of a battle fought out: the side that broke the other wins; an undecided field is a draw. */
export function foughtEnd(start: Tally, now: Tally): BattleCommand {
  const alliance = now.allianceShips / Math.max(1, start.allianceShips);
  const dominion = (now.dominionShips + now.dominionStations) / Math.max(1, start.dominionShips + start.dominionStations);
  let winner: SideId | null = null;
  if (dominion < BROKEN_SHARE && alliance >= BROKEN_SHARE) winner = 'alliance';
  else if (alliance < BROKEN_SHARE && dominion >= BROKEN_SHARE) winner = 'dominion';
  else if (alliance > dominion * 1.5) winner = 'alliance';
  else if (dominion > alliance * 1.5) winner = 'dominion';
  const fleetLost = now.fleetTotal - now.fleetAlive;
  const minutes = Math.max(1, Math.round((now.t - start.t) / 60000));
  const verdict =
    winner === 'alliance'
      ? 'The Alliance broke the defence of Cardassia Prime and the Dominion War ended in its victory'
      : winner === 'dominion'
        ? 'The Alliance fleet was shattered over Cardassia Prime and the Dominion held its last stronghold'
        : 'Neither fleet could break the other: the battle ended in mutual exhaustion over Cardassia Prime';
  const summary =
    `${verdict}. After ${minutes} min of full battle the Alliance had lost ${n(fleetLost)} of ${n(now.fleetTotal)} invasion ships ` +
    `(${pct(fleetLost, now.fleetTotal)}%), against the over ${PROJECTED_LOSS_PCT}% it had been projected to lose; ` +
    `the Dominion lost ${n(now.dominionShipsLost)} ships and ${n(now.dominionStationsLost)} stations and platforms, ` +
    `keeping ${n(now.dominionShips)} ships and ${n(now.dominionStations)} fixed defences.`;
  return { type: 'end', winner, summary };
}
