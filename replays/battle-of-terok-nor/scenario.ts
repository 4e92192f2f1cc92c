import type { FieldSpec, ForceGroupSpec } from '../engine/index.js';
import type { BattleMap, SideInfo, Vec2, Weapon, WeaponKind } from '../../shared/battle/types.js';

function w(kind: WeaponKind, range: number, damage: number, cooldownMs: number, accuracy: number, minRange?: number): Weapon {
  return minRange === undefined ? { kind, range, damage, cooldownMs, accuracy } : { kind, range, damage, cooldownMs, accuracy, minRange };
}

// Battle of Terok Nor (mirror universe, 2372): forces and map.
// Numbers follow the seed's infobox (002_9e990cbe2c332bc1.txt): one station, one Defiant-class ship and
// one raider against the Regent's flagship, "2-4" Galor cruisers (we pick 3) and "several" Birds-of-Prey
// (we pick 8). Positions and distances are invented to fit a 1000x700 tactical map; see notes.md.

export const SIDES = { rebellion: 'rebellion', alliance: 'alliance' } as const;

/** Group ids: the machine addresses orders to these. */
export const G = {
  station: 'terok-nor',
  defiant: 'defiant',
  raider: 'raider',
  flagship: 'flagship',
  galors: 'galors',
  bops: 'bops',
  /** The Bird-of-Prey that answers the flagship's call and slips in behind the Defiant (detached). */
  hunter: 'bop-hunter',
  /** Bashir's false warp shadows (decoy contacts). */
  shadows: 'warp-shadows',
} as const;

/** Notable unit ids (reported in Facts.units and used by tests). */
export const U = {
  station: 'terok-nor',
  defiant: 'iss-defiant',
  raider: 'raider',
  flagship: 'regent-flagship',
} as const;

export const GALOR_COUNT = 3;
export const BOP_COUNT = 8;
export const GALOR_IDS = Array.from({ length: GALOR_COUNT }, (_, i) => `galor-${i + 1}`);
export const BOP_IDS = Array.from({ length: BOP_COUNT }, (_, i) => `bop-${i + 1}`);

/** Key places on the map (map units; 1 unit = 500 km, compressed). */
export const P = {
  station: { x: 600, y: 330 },
  bajor: { x: 810, y: 470 },
  /** Where the Alliance fleet drops out of warp on the approach from Alliance space. */
  fleetEntry: { x: 70, y: 170 },
  /** Where the Birds-of-Prey lead the assault: just inside the station's weapons reach. */
  bopsAssault: { x: 470, y: 290 },
  /** Where the Galors form up behind them. */
  assault: { x: 430, y: 255 },
  /** Where the flagship holds while its escorts engage. */
  flagshipStandoff: { x: 360, y: 215 },
  /** Where the mauled Galors fall back to, behind the flagship. */
  galorFallback: { x: 300, y: 170 },
  /** Where Bashir's raider runs out to and projects its warp shadows. */
  decoyLaunch: { x: 240, y: 470 },
  /** Where the warp shadows fly off to, drawing the fleet away. */
  decoyTarget: { x: 90, y: 665 },
  /** Where the raider lies low (behind Bajor) once the decoy run is over. */
  raiderHide: { x: 690, y: 510 },
  /** Where the Terran ships fall back to once the Regent withdraws. */
  defiantHome: { x: 640, y: 350 },
  raiderHome: { x: 650, y: 310 },
  /** Where a withdrawing Alliance ship leaves the map, back toward Alliance space. */
  retreat: { x: 0, y: 120 },
} satisfies Record<string, Vec2>;

export const sides: SideInfo[] = [
  {
    id: SIDES.rebellion,
    name: 'Terran Rebellion',
    color: '#d8a23a',
    // Canon, not the seed's infobox: the Sisko who oversaw Starfleet's Defiant is ours (see notes.md).
    commanders: ['Miles "Smiley" O\'Brien', 'Benjamin Sisko (from our universe)', 'Jennifer Sisko', 'Julian Bashir', 'Jadzia'],
  },
  {
    id: SIDES.alliance,
    name: 'Klingon-Cardassian Alliance',
    color: '#b8352c',
    commanders: ['Regent Worf', 'Elim Garak'],
  },
];

export const map: BattleMap = {
  width: 1000,
  height: 700,
  scaleLabel: '1 unit ≈ 500 km (compressed)',
  features: [
    { id: 'bajor', kind: 'planet', label: 'Bajor', pos: P.bajor, radius: 90 },
    { id: 'terok-nor', kind: 'station', label: 'Terok Nor (held by the rebellion)', pos: P.station, radius: 18 },
    {
      id: 'alliance-approach',
      kind: 'zone',
      label: 'Approach from Alliance space',
      pos: { x: 90, y: 110 },
      points: [
        { x: 0, y: 40 },
        { x: 200, y: 40 },
        { x: 200, y: 300 },
        { x: 0, y: 300 },
      ],
    },
    {
      id: 'decoy-zone',
      kind: 'zone',
      label: "Bashir's warp shadows",
      pos: { x: 170, y: 560 },
      points: [
        { x: 40, y: 440 },
        { x: 320, y: 440 },
        { x: 320, y: 690 },
        { x: 40, y: 690 },
      ],
    },
    { id: 'label-dock', kind: 'label', label: 'Defiant refit berth', pos: { x: 600, y: 370 } },
  ],
};

export const forces: ForceGroupSpec[] = [
  {
    group: G.station,
    side: SIDES.rebellion,
    cls: 'nor-station',
    count: 1,
    ids: [U.station],
    names: ['Terok Nor'],
    commander: 'Miles "Smiley" O\'Brien (rebel leader)',
    at: P.station,
    spread: 0,
    // A fortress to ride out a long siege, but with only part of its batteries working after the
    // rebels' capture (invented), so it wears the cruisers down rather than sweeping them away.
    stats: {
      shields: 4000,
      hull: 9000,
      weapons: [w('disruptor', 150, 14, 2000, 0.7), w('torpedo', 150, 30, 5000, 0.6)],
    },
  },
  {
    group: G.defiant,
    side: SIDES.rebellion,
    cls: 'defiant',
    count: 1,
    ids: [U.defiant],
    names: ['ISS Defiant'],
    commander: 'Benjamin Sisko (from our universe)',
    // Docked at the station's refit berth, just off the core.
    at: { x: 600, y: 352 },
    spread: 0,
    heading: Math.PI,
    // "Overpowered for its size" with "powerful energy reserves": heavier cannons and shields than stock.
    stats: {
      label: 'Defiant-class warship (rebel-built)',
      shields: 1500,
      hull: 1600,
      weapons: [w('cannon', 70, 36, 1500, 0.9), w('torpedo', 120, 60, 5000, 0.75)],
    },
  },
  {
    group: G.raider,
    side: SIDES.rebellion,
    cls: 'terran-raider',
    count: 1,
    ids: [U.raider],
    names: ["Bashir's raider"],
    commander: 'Julian Bashir',
    at: { x: 640, y: 300 },
    spread: 0,
    heading: Math.PI,
    // Armed enough to finish a Bird-of-Prey (invented figures).
    stats: {
      shields: 200,
      hull: 220,
      weapons: [w('phaser', 80, 30, 1500, 0.8), w('torpedo', 110, 55, 4000, 0.7)],
    },
  },
  {
    group: G.flagship,
    side: SIDES.alliance,
    cls: 'negh-var',
    count: 1,
    ids: [U.flagship],
    names: ["Regent's flagship"],
    commander: 'Regent Worf',
    at: { x: 40, y: 150 },
    spread: 0,
    heading: 0,
    // "Massive" and "massively outgunned" the Defiant (figures invented): heavy batteries that cannot
    // bear on a ship circling inside 45 units (the dead zone "pattern suicide" exploits), plus light
    // point-defence disruptors that can.
    stats: {
      label: "Regent's flagship (Negh'Var type)",
      shields: 2000,
      hull: 6500,
      size: 26,
      weapons: [
        w('disruptor', 130, 50, 2500, 0.75, 45),
        w('disruptor', 130, 50, 2500, 0.75, 45),
        w('torpedo', 140, 80, 6000, 0.6, 45),
        w('disruptor', 60, 14, 1800, 0.65),
        w('disruptor', 60, 14, 1800, 0.65),
      ],
    },
  },
  {
    group: G.galors,
    side: SIDES.alliance,
    cls: 'galor',
    count: GALOR_COUNT,
    ids: GALOR_IDS,
    namePrefix: 'Alliance Galor',
    at: { x: 60, y: 210 },
    spread: 40,
    formation: 'line',
    heading: 0,
  },
  {
    group: G.bops,
    side: SIDES.alliance,
    cls: 'bird-of-prey',
    count: BOP_COUNT,
    ids: BOP_IDS,
    namePrefix: 'Bird-of-Prey',
    at: { x: 100, y: 140 },
    spread: 55,
    formation: 'wedge',
    heading: 0,
  },
];

export const fields: FieldSpec[] = [];

export const notable: string[] = [U.station, U.defiant, U.raider, U.flagship, ...GALOR_IDS, ...BOP_IDS];
