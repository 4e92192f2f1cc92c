import type { BattleCommand, Order } from '../engine/index.js';
import type { Vec2 } from '../../shared/battle/types.js';
import { FORWARD_SHIPS } from './decisions.js';
import {
  ALLIANCE,
  ALLIANCE_GROUPS,
  BREEN_GROUPS,
  CARDASSIA,
  CARDASSIAN_GROUPS,
  COLUMN_WAYPOINT,
  COMMS_GROUPS,
  ENCIRCLE_RADIUS,
  SWING_RADIUS,
  FORWARD,
  FORWARD_GROUPS,
  JEMHADAR_CORE,
  LAKARIAN_CITY,
  REBEL_GROUPS,
  aroundCardassia,
  forces,
} from './scenario.js';

// Order bundles the machine emits on entering a phase. Pure functions of the machine context, so
// the same decisions always give the same commands.

export const order = (o: Order): BattleCommand => ({ type: 'order', order: o });

const FLEET_GROUPS = ALLIANCE_GROUPS;
const columnOf = (column: 'fed' | 'kl' | 'rom') => FLEET_GROUPS.filter((g) => ALLIANCE[g].column === column);

const sizeOf = (g: string) => forces.find((f) => f.group === g)?.count ?? 0;
const stayingOnLine = (g: string, keep: number) => Math.round((sizeOf(g) * Math.min(keep, FORWARD_SHIPS)) / FORWARD_SHIPS);

/** Groups split off the forward lines when the Founder holds them with fewer than all their ships. */
export function recalledGroups(forwardHold: number | null): string[] {
  if (forwardHold === null) return [];
  return FORWARD_GROUPS.filter((g) => sizeOf(g) - stayingOnLine(g, forwardHold) > 0).map((g) => `${g}-recalled`);
}

/** Dominion mobile groups that exist on this branch. */
export function dominionMobile(forwardHold: number | null): string[] {
  return [...FORWARD_GROUPS, ...recalledGroups(forwardHold), ...JEMHADAR_CORE, ...BREEN_GROUPS];
}

export function holdForward(): BattleCommand[] {
  return [...FORWARD_GROUPS.map((g) => order({ kind: 'hold', group: g })), ...FLEET_GROUPS.map((g) => order({ kind: 'hold', group: g }))];
}

export function withdraw(): BattleCommand[] {
  return FORWARD_GROUPS.map((g) => order({ kind: 'move', group: g, to: FORWARD[g].perimeter }));
}

/** Keep `keep` ships on the forward lines (shared pro rata), recall the rest to the perimeter. */
export function holdLines(keep: number): BattleCommand[] {
  const out: BattleCommand[] = [];
  for (const g of FORWARD_GROUPS) {
    const leave = sizeOf(g) - stayingOnLine(g, keep);
    if (leave > 0) {
      out.push(order({ kind: 'detach', from: g, to: `${g}-recalled`, count: leave }));
      out.push(order({ kind: 'move', group: `${g}-recalled`, to: FORWARD[g].perimeter }));
    }
    out.push(order({ kind: 'hold', group: g }));
  }
  return out;
}

export function massAtDS9(): BattleCommand[] {
  return [
    ...FLEET_GROUPS.filter((g) => ALLIANCE[g].column !== 'fed').map((g) => order({ kind: 'spawn', group: g })),
    order({ kind: 'move', group: 'fed-defiant', to: { x: 120, y: 350 } }),
  ];
}

/** Three columns leave Deep Space 9 and cross the pre-war border. */
const ADVANCE_SPEED = 5;

export function advance(): BattleCommand[] {
  const out: BattleCommand[] = [];
  for (const column of ['fed', 'kl', 'rom'] as const) {
    const groups = columnOf(column);
    groups.forEach((g, i) => {
      const wp = COLUMN_WAYPOINT[column];
      // Fan the groups of a column out across the lane so they do not stack on one point.
      const lane = (i - (groups.length - 1) / 2) * 45;
      const to: Vec2 = column === 'fed' ? { x: wp.x, y: wp.y + lane } : { x: wp.x + lane, y: wp.y };
      // A slow, deliberate advance: the fleet crosses the border over most of the phase.
      out.push(order({ kind: 'move', group: g, to, speed: ADVANCE_SPEED }));
    });
  }
  return out;
}

/** The outer space battle: each column engages the forward group facing it; rebels hit the relays. */
export function spaceBattle(): BattleCommand[] {
  const facing = { fed: 'dom-fwd-fed', kl: 'dom-fwd-kl', rom: 'dom-fwd-rom' } as const;
  const out: BattleCommand[] = [];
  for (const column of ['fed', 'kl', 'rom'] as const) {
    for (const g of columnOf(column)) out.push(order({ kind: 'attack', group: g, target: facing[column], range: 'standoff' }));
    out.push(order({ kind: 'attack', group: facing[column], target: 'side:alliance', range: 'standoff' }));
  }
  REBEL_GROUPS.forEach((g, i) => {
    out.push(order({ kind: 'spawn', group: g }));
    out.push(order({ kind: 'attack', group: g, target: COMMS_GROUPS[i], range: 'close' }));
  });
  return out;
}

/** Cut off from command, the outer groups stop manoeuvring and hold where they are. */
export function commsCut(forwardHold: number | null): BattleCommand[] {
  return [
    ...[...FORWARD_GROUPS, ...recalledGroups(forwardHold)].map((g) => order({ kind: 'hold', group: g })),
    ...REBEL_GROUPS.map((g) => order({ kind: 'retreat', group: g, to: { x: 1000, y: 350 } })),
    { type: 'fact', text: 'Cardassian rebels destroyed the Dominion communications installations around Cardassia Prime' },
  ];
}

export function lakarianStrike(): BattleCommand[] {
  return [
    { type: 'effect', kind: 'strike', pos: LAKARIAN_CITY, radius: 9, label: 'Lakarian City' },
    { type: 'effect', kind: 'explosion', pos: LAKARIAN_CITY, radius: 6 },
    { type: 'fact', text: "Lakarian City was destroyed by the Jem'Hadar on the Founder's orders" },
  ];
}

export function cardassiansSwitch(): BattleCommand[] {
  return [
    ...CARDASSIAN_GROUPS.map((g) => order({ kind: 'side', group: g, side: 'alliance' })),
    ...CARDASSIAN_GROUPS.map((g) => order({ kind: 'attack', group: g, target: 'side:dominion', range: 'close' })),
    { type: 'fact', text: 'The Cardassian fleets switched sides and turned on the Dominion' },
  ];
}

/**
 * The Jem'Hadar turn on the Cardassians: the home-defence groups next to each turncoat fleet hunt it,
 * while the western screen (facing the Alliance columns) stays put.
 */
export function extermination(): BattleCommand[] {
  const hunts: [string, string][] = [
    ['dom-jh-n', 'card-galor-n'],
    ['dom-jh-s', 'card-galor-s'],
    ['dom-jh-e', 'card-keldon-e'],
  ];
  const strikes = [-120, -30, 60, 150].map((deg) => ({
    type: 'effect' as const,
    kind: 'strike' as const,
    pos: { x: Math.round(CARDASSIA.x + 20 * Math.cos((deg * Math.PI) / 180)), y: Math.round(CARDASSIA.y + 20 * Math.sin((deg * Math.PI) / 180)) },
    radius: 7,
    label: 'Extermination',
  }));
  return [
    ...hunts.map(([g, prey]) => order({ kind: 'attack', group: g, target: prey, range: 'close' })),
    ...strikes,
    { type: 'fact', text: "The Founder ordered the Jem'Hadar to exterminate the Cardassians" },
  ];
}

/** Core groups go back to their stations around the homeworld (the extermination scattered them). */
export function coreReturn(): BattleCommand[] {
  return JEMHADAR_CORE.map((g) => {
    const at = forces.find((f) => f.group === g)?.at ?? CARDASSIA;
    return order({ kind: 'move', group: g, to: at });
  });
}

/** Encirclement, first leg: near groups take their stations, far groups swing out along a wider arc. */
export function encircle(): BattleCommand[] {
  return ALLIANCE_GROUPS.map((g) => {
    const { ring, via } = ALLIANCE[g];
    return order({ kind: 'move', group: g, to: via === undefined ? aroundCardassia(ring, ENCIRCLE_RADIUS) : aroundCardassia(via, SWING_RADIUS) });
  });
}

/** Encirclement, second leg: the far groups close the ring. */
export function closeRing(): BattleCommand[] {
  return ALLIANCE_GROUPS.filter((g) => ALLIANCE[g].via !== undefined).map((g) =>
    order({ kind: 'move', group: g, to: aroundCardassia(ALLIANCE[g].ring, ENCIRCLE_RADIUS) }),
  );
}

export function surrender(): BattleCommand[] {
  return [
    order({ kind: 'ceasefire', active: true }),
    order({ kind: 'surrender', side: 'dominion' }),
    { type: 'fact', text: 'Persuaded by Odo, the Founder surrendered before the battle was joined' },
  ];
}

/** The battle is joined in full: everything attacks everything of the other side. */
export function finalBattle(switched: boolean, forwardHold: number | null): BattleCommand[] {
  const alliance = [...FLEET_GROUPS, ...(switched ? CARDASSIAN_GROUPS : [])];
  const dominion = [...dominionMobile(forwardHold), ...(switched ? [] : CARDASSIAN_GROUPS)];
  return [
    ...alliance.map((g) => order({ kind: 'attack', group: g, target: 'side:dominion', range: 'close' })),
    // The defenders fight from their stations under the platforms' guns rather than sallying out.
    ...dominion.map((g) => order({ kind: 'hold', group: g })),
    order({ kind: 'attack', group: 'orbital-platforms', target: 'side:alliance' }),
    order({ kind: 'attack', group: 'card-stations', target: 'side:alliance' }),
    { type: 'fact', text: 'The Founder refused to surrender; the battle for Cardassia Prime was fought to the end' },
  ];
}
