import type { BattleCommand, Order, Reform } from '../engine/index.js';
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
  SHEET,
  aroundCardassia,
  at,
  forces,
  len,
} from './scenario.js';

// Order bundles the machine emits on entering a phase. Pure functions of the machine context, so
// the same decisions always give the same commands.

export const order = (o: Order): BattleCommand => ({ type: 'order', order: o });

const FLEET_GROUPS = ALLIANCE_GROUPS;
const columnOf = (column: 'fed' | 'kl' | 'rom') => FLEET_GROUPS.filter((g) => ALLIANCE[g].column === column);

const sizeOf = (g: string) => forces.find((f) => f.group === g)?.count ?? 0;

/** Facing from `from` toward `to`, radians. */
const facing = (from: Vec2, to: Vec2) => Math.round(Math.atan2(to.y - from.y, to.x - from.x) * 1000) / 1000;

/**
 * "Re-form on move" (notes.md): a group that has been fighting closes up again into the grid it
 * started in (same spacing between neighbours), facing `heading`, so fleets stay readable as fleets.
 */
export function reformOf(g: string, heading: number): Reform {
  const spec = forces.find((f) => f.group === g);
  const count = spec?.count ?? 1;
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const spacing = (2 * (spec?.spread ?? len(20))) / Math.max(cols - 1, rows - 1, 1);
  return { formation: 'grid', spacing: Math.round(spacing * 100) / 100, heading };
}

/** Move a group to `to`, re-forming it there facing `face`. */
const reformTo = (g: string, to: Vec2, face: Vec2) => order({ kind: 'move', group: g, to, reform: reformOf(g, facing(to, face)) });
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
    order({ kind: 'move', group: 'fed-defiant', to: at(120, 350) }),
  ];
}

/** Three columns leave Deep Space 9 and cross the pre-war border. */
const ADVANCE_SPEED = 5 * SHEET;

/** Where each column stands off the outer lines in the space battle. */
const CONTACT: Record<'fed' | 'kl' | 'rom', Vec2> = { fed: at(305, 350), kl: at(421, 142), rom: at(421, 558) };

/** Move a column's groups to `wp`, fanned out across the lane so they do not stack on one point. */
function columnMoves(column: 'fed' | 'kl' | 'rom', wp: Vec2, speed?: number): BattleCommand[] {
  const groups = columnOf(column);
  return groups.map((g, i) => {
    const lane = (i - (groups.length - 1) / 2) * len(45);
    const to: Vec2 = column === 'fed' ? { x: wp.x, y: wp.y + lane } : { x: wp.x + lane, y: wp.y };
    return order(speed === undefined ? { kind: 'move', group: g, to } : { kind: 'move', group: g, to, speed });
  });
}

export function advance(forwardHold: number | null): BattleCommand[] {
  // A slow, deliberate advance: the fleet crosses the border over most of the phase.
  const moves = (['fed', 'kl', 'rom'] as const).flatMap((column) => columnMoves(column, COLUMN_WAYPOINT[column], ADVANCE_SPEED));
  // Ships the Founder kept on the forward lines stand and fight the columns in the open, far from
  // the home defences (invented how: the seed only has the withdrawal).
  const stand =
    forwardHold === null ? [] : FORWARD_GROUPS.map((g) => order({ kind: 'attack', group: g, target: 'side:alliance', range: 'close' }));
  return [...moves, ...stand];
}

/** The outer space battle: each column engages the forward group facing it; rebels hit the relays. */
export function spaceBattle(): BattleCommand[] {
  const facing = { fed: 'dom-fwd-fed', kl: 'dom-fwd-kl', rom: 'dom-fwd-rom' } as const;
  const out: BattleCommand[] = [];
  for (const column of ['fed', 'kl', 'rom'] as const) {
    // The columns close up to the outer lines and trade fire across them (only the front ranks are in
    // reach), rather than charge in and grind them down: the defence keeps its numbers (invented how).
    out.push(...columnMoves(column, CONTACT[column]));
    // The outer lines hold the perimeter they were withdrawn to, under orders to build up the defence.
    out.push(order({ kind: 'hold', group: facing[column] }));
  }
  REBEL_GROUPS.forEach((g, i) => {
    out.push(order({ kind: 'spawn', group: g }));
    out.push(order({ kind: 'attack', group: g, target: COMMS_GROUPS[i], range: 'close' }));
  });
  return out;
}

/**
 * Cut off from command, the outer groups stop manoeuvring and hold where they are; the Alliance
 * columns break contact and regroup for the push on the homeworld rather than chase them.
 */
export function commsCut(forwardHold: number | null): BattleCommand[] {
  return [
    ...[...FORWARD_GROUPS, ...recalledGroups(forwardHold)].map((g) => order({ kind: 'hold', group: g })),
    ...FLEET_GROUPS.map((g) => order({ kind: 'hold', group: g })),
    ...REBEL_GROUPS.map((g) => order({ kind: 'retreat', group: g, to: at(1000, 350) })),
    { type: 'fact', text: 'Cardassian rebels destroyed the Dominion communications installations around Cardassia Prime' },
  ];
}

export function lakarianStrike(): BattleCommand[] {
  return [
    { type: 'effect', kind: 'strike', pos: LAKARIAN_CITY, radius: len(9), label: 'Lakarian City' },
    { type: 'effect', kind: 'explosion', pos: LAKARIAN_CITY, radius: len(6) },
    { type: 'fact', text: "Lakarian City was destroyed by the Jem'Hadar on the Founder's orders" },
  ];
}

/** Which Alliance column comes to the aid of which turncoat fleet (the nearest flank), and whom it hits. */
export const SUPPORT: { column: 'kl' | 'rom'; fleet: string; against: string }[] = [
  { column: 'kl', fleet: 'card-galor-n', against: 'dom-jh-n' },
  { column: 'rom', fleet: 'card-galor-s', against: 'dom-jh-s' },
];

export function cardassiansSwitch(): BattleCommand[] {
  return [
    ...CARDASSIAN_GROUPS.map((g) => order({ kind: 'side', group: g, side: 'alliance' })),
    ...CARDASSIAN_GROUPS.map((g) => order({ kind: 'attack', group: g, target: 'side:dominion', range: 'close' })),
    // "Greatly aiding the Alliance": the flank columns come in beside the turncoats (invented how).
    ...SUPPORT.flatMap(({ column, against }) =>
      columnOf(column).map((g) => order({ kind: 'attack', group: g, target: against, range: 'standoff' })),
    ),
    {
      type: 'fact',
      text: 'The Cardassian fleets switched sides and turned on the Dominion; the Klingon and Romulan columns came in beside them',
    },
    { type: 'fact', text: "Legate Broca, the Dominion's Cardassian figurehead, was killed by the Jem'Hadar" },
  ];
}

/**
 * The Jem'Hadar turn on the Cardassians: the home-defence groups next to each turncoat fleet hunt it,
 * while the western screen (facing the Alliance columns) stays put.
 */
/** Hunted, the turncoat fleets fall back on the Alliance flank columns that came to their aid (invented). */
const REFUGE: Record<(typeof CARDASSIAN_GROUPS)[number], Vec2> = {
  'card-galor-n': aroundCardassia(-80, 300),
  'card-galor-s': aroundCardassia(80, 300),
  'card-keldon-e': aroundCardassia(20, 300),
};

export function extermination(): BattleCommand[] {
  const hunts: [string, string][] = [
    ['dom-jh-n', 'card-galor-n'],
    ['dom-jh-s', 'card-galor-s'],
    ['dom-jh-e', 'card-keldon-e'],
  ];
  const strikes = [-120, -30, 60, 150].map((deg) => ({
    type: 'effect' as const,
    kind: 'strike' as const,
    pos: {
      x: Math.round(CARDASSIA.x + len(20) * Math.cos((deg * Math.PI) / 180)),
      y: Math.round(CARDASSIA.y + len(20) * Math.sin((deg * Math.PI) / 180)),
    },
    radius: len(7),
    label: 'Extermination',
  }));
  return [
    ...hunts.map(([g, prey]) => order({ kind: 'attack', group: g, target: prey, range: 'close' })),
    ...CARDASSIAN_GROUPS.map((g) => reformTo(g, REFUGE[g], CARDASSIA)),
    ...strikes,
    { type: 'fact', text: "The Founder ordered the Jem'Hadar to exterminate the Cardassians" },
  ];
}

/** Core groups go back to their stations around the homeworld (the extermination scattered them). */
export function coreReturn(): BattleCommand[] {
  return JEMHADAR_CORE.map((g) => {
    const at = forces.find((f) => f.group === g)?.at ?? CARDASSIA;
    // Face outward, toward the ring the Alliance is closing.
    return reformTo(g, at, { x: 2 * at.x - CARDASSIA.x, y: 2 * at.y - CARDASSIA.y });
  });
}

/** Encirclement, first leg: near groups take their stations, far groups swing out along a wider arc. */
export function encircle(): BattleCommand[] {
  return ALLIANCE_GROUPS.map((g) => {
    const { ring, via } = ALLIANCE[g];
    return reformTo(g, via === undefined ? aroundCardassia(ring, ENCIRCLE_RADIUS) : aroundCardassia(via, SWING_RADIUS), CARDASSIA);
  });
}

/** Encirclement, second leg: the far groups close the ring. */
export function closeRing(): BattleCommand[] {
  return ALLIANCE_GROUPS.filter((g) => ALLIANCE[g].via !== undefined).map((g) =>
    reformTo(g, aroundCardassia(ALLIANCE[g].ring, ENCIRCLE_RADIUS), CARDASSIA),
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
