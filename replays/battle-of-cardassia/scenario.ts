import { classStats, type ForceGroupSpec, type UnitClassStats } from '../engine/index.js';
import type { BattleMap, SideInfo, Vec2 } from '../../shared/battle/types.js';

// Battle of Cardassia (seed 001_20da251821cb360a.txt) at the seed's own scale (issue #14): the seed
// speaks of "many thousands" of Alliance ships and "perhaps tens of thousands" of defenders; we field
// ~6,600 Alliance invasion ships against ~15,400 Dominion, Breen and Cardassian ships plus 240
// stations and platforms (see notes.md). The map is schematic: Deep Space 9 and the approach are
// compressed onto one sheet with Cardassia.

/**
 * The sheet is laid out in the units of the earlier 1000×700 battle and scaled by SHEET: six times the
 * ships need about six times the room (2.4² ≈ 5.8), so every distance, speed and weapon reach grows
 * by the same factor and the battle keeps its proportions and timing.
 */
export const SHEET = 2.4;
/** A point given on the 1000×700 layout, on the scaled sheet. */
export const at = (x: number, y: number): Vec2 => ({ x: Math.round(x * SHEET), y: Math.round(y * SHEET) });
/** A distance given on the 1000×700 layout, on the scaled sheet. */
export const len = (d: number): number => Math.round(d * SHEET);

/** Cardassia Prime, the centre of the defence. */
export const CARDASSIA: Vec2 = at(600, 350);
export const LAKARIAN_CITY: Vec2 = at(612, 338);
export const DS9: Vec2 = at(55, 350);

/** A point `r` layout units from Cardassia Prime, `deg` degrees clockwise from east (screen y is down). */
export function aroundCardassia(deg: number, r: number): Vec2 {
  const a = (deg * Math.PI) / 180;
  return { x: Math.round(CARDASSIA.x + len(r) * Math.cos(a)), y: Math.round(CARDASSIA.y + len(r) * Math.sin(a)) };
}

/** Communications relays ringing the homeworld on its far side, where the rebels strike. */
export const COMMS_SITES: Vec2[] = [aroundCardassia(-40, 245), aroundCardassia(0, 265), aroundCardassia(40, 245)];

export const map: BattleMap = {
  width: len(1000),
  height: len(700),
  scaleLabel: 'schematic: 1 unit ≈ 0.02 ly (approach from Deep Space 9 compressed)',
  features: [
    { id: 'cardassia-prime', kind: 'planet', label: 'Cardassia Prime', pos: CARDASSIA, radius: len(34) },
    { id: 'lakarian-city', kind: 'city', label: 'Lakarian City', pos: LAKARIAN_CITY, radius: len(6) },
    { id: 'orbital-ring', kind: 'zone', label: 'Orbital weapons platforms', pos: CARDASSIA, radius: len(55) },
    { id: 'ds9', kind: 'station', label: 'Deep Space 9 (Alliance staging)', pos: DS9, radius: len(12) },
    { id: 'bajor', kind: 'planet', label: 'Bajor', pos: at(40, 420), radius: len(14) },
    {
      id: 'prewar-border',
      kind: 'border',
      label: 'Pre-war Cardassian border',
      pos: at(270, 350),
      points: [at(250, 0), at(285, 150), at(265, 350), at(285, 550), at(250, 700)],
    },
    { id: 'chintoka', kind: 'label', label: "Chin'toka system", pos: at(330, 250) },
    { id: 'federation-space', kind: 'label', label: 'Federation space (via Bajor)', pos: at(110, 300) },
    { id: 'klingon-space', kind: 'label', label: 'toward Klingon space', pos: at(130, 60) },
    { id: 'romulan-space', kind: 'label', label: 'toward Romulan space', pos: at(130, 650) },
    ...COMMS_SITES.map((pos, i) => ({
      id: `comms-site-${i + 1}`,
      kind: 'zone' as const,
      label: `Dominion communications installation ${i + 1}`,
      pos,
      radius: len(14),
    })),
  ],
};

export const sides: SideInfo[] = [
  {
    id: 'alliance',
    name: 'Federation Alliance (Federation, Klingon, Romulan) and Cardassian rebels',
    color: '#4f8fe8',
    commanders: ['Benjamin Sisko', 'General Velal', 'Legate Damar (leads the uprising on the ground, killed)'],
  },
  {
    id: 'dominion',
    name: 'Dominion, Breen Confederacy and Cardassian collaborators',
    color: '#b05cd6',
    commanders: ['Female Shapeshifter', 'Legate Broca (Cardassian figurehead, killed)'],
  },
];

// Dominion groups that start on the forward lines inside Alliance space.
export const FORWARD = {
  'dom-fwd-fed': { line: at(215, 350), perimeter: aroundCardassia(180, 150) },
  'dom-fwd-kl': { line: at(330, 80), perimeter: aroundCardassia(-115, 150) },
  'dom-fwd-rom': { line: at(330, 620), perimeter: aroundCardassia(115, 150) },
} as const;
export type ForwardGroup = keyof typeof FORWARD;
export const FORWARD_GROUPS = Object.keys(FORWARD) as ForwardGroup[];

/** Cardassian collaborator fleets: separate groups so each can change sides. */
export const CARDASSIAN_GROUPS = ['card-galor-n', 'card-galor-s', 'card-keldon-e'] as const;
export const JEMHADAR_CORE = ['dom-jh-w', 'dom-jh-n', 'dom-jh-s', 'dom-jh-e', 'dom-bc-n', 'dom-bc-s'] as const;
export const BREEN_GROUPS = ['breen-ne', 'breen-se'] as const;

/**
 * Alliance columns and their encirclement stations: `ring` is the final bearing (degrees clockwise
 * from east) on the ring around Cardassia; `via`, when given, a first bearing on a wider arc so the
 * group swings round the defences instead of cutting through them.
 */
export const ALLIANCE: Record<string, { column: 'fed' | 'kl' | 'rom'; ring: number; via?: number }> = {
  'fed-defiant': { column: 'fed', ring: 180 },
  'fed-galaxy': { column: 'fed', ring: 144 },
  'fed-akira': { column: 'fed', ring: 216 },
  'fed-excelsior': { column: 'fed', ring: 108, via: 140 },
  'fed-miranda': { column: 'fed', ring: 252, via: 220 },
  'kl-negh-var': { column: 'kl', ring: 288, via: 262 },
  'kl-vorcha': { column: 'kl', ring: 324, via: 278 },
  'kl-bop': { column: 'kl', ring: 0, via: 296 },
  'rom-warbird-1': { column: 'rom', ring: 72, via: 98 },
  'rom-warbird-2': { column: 'rom', ring: 36, via: 82 },
};
export const ALLIANCE_GROUPS = Object.keys(ALLIANCE);
export const REBEL_GROUPS = COMMS_SITES.map((_, i) => `rebel-${i + 1}`);
export const ENCIRCLE_RADIUS = 300;
/** Radius of the wider arc the far groups swing along first. */
export const SWING_RADIUS = 328;

/** Where each Alliance column crosses the pre-war border on the advance. */
export const COLUMN_WAYPOINT: Record<'fed' | 'kl' | 'rom', Vec2> = {
  fed: at(300, 350),
  kl: at(360, 120),
  rom: at(360, 580),
};

// Thousands of ships share one sheet, so every class is adapted the same way for this battle:
// weapon reach shrinks (the sheet would otherwise be one big melee), ships move a little slower, and
// shots come half as often with twice the punch (same damage per second, half the fire events).
// Reach and speed are given on the 1000×700 layout and grow with the sheet (SHEET).
export const RANGE_SCALE = 0.55;
export const SPEED_SCALE = 0.7;
export const SHOT_SCALE = 2;

export function adapted(cls: string, extra: Partial<UnitClassStats> = {}): Partial<UnitClassStats> {
  const base = { ...classStats(cls), ...extra };
  return {
    ...extra,
    speed: Math.round(base.speed * SPEED_SCALE * SHEET * 10) / 10,
    weapons: base.weapons.map((w) => ({
      ...w,
      range: Math.round(w.range * RANGE_SCALE * SHEET),
      damage: w.damage * SHOT_SCALE,
      cooldownMs: w.cooldownMs * SHOT_SCALE,
    })),
  };
}

const group =
  (side: string, defaults: Partial<ForceGroupSpec>) =>
  (g: Omit<ForceGroupSpec, 'side'>): ForceGroupSpec => ({
    side,
    formation: 'grid',
    ...defaults,
    ...g,
    // Spreads are given on the 1000×700 layout, like the positions.
    ...(g.spread !== undefined ? { spread: len(g.spread) } : {}),
    stats: adapted(g.cls, g.stats),
  });
const fed = group('alliance', { heading: 0 });

const platformBase = classStats('orbital-weapons-platform');
const PLATFORM: Partial<UnitClassStats> = {
  shields: platformBase.shields * 2,
  hull: platformBase.hull * 2,
  weapons: [...platformBase.weapons, platformBase.weapons[0]].map((w) => ({ ...w, damage: Math.round(w.damage * 1.5) })),
};
const dom = group('dominion', {});

export const forces: ForceGroupSpec[] = [
  // Alliance: the Federation fleet is at Deep Space 9 from the start; Klingon and Romulan fleets warp in there.
  fed({
    group: 'fed-defiant',
    cls: 'defiant',
    count: 240,
    ids: ['defiant'],
    names: ['USS Defiant'],
    namePrefix: 'Defiant-class',
    commander: 'Benjamin Sisko',
    at: at(95, 350),
    spread: 22,
  }),
  fed({ group: 'fed-galaxy', cls: 'galaxy', count: 300, namePrefix: 'Galaxy-class', at: at(80, 300), spread: 30 }),
  fed({ group: 'fed-akira', cls: 'akira', count: 840, namePrefix: 'Akira-class', at: at(80, 400), spread: 38 }),
  fed({ group: 'fed-excelsior', cls: 'excelsior', count: 780, namePrefix: 'Excelsior-class', at: at(60, 250), spread: 34 }),
  fed({ group: 'fed-miranda', cls: 'miranda', count: 1080, namePrefix: 'Miranda-class', at: at(60, 450), spread: 36 }),
  fed({ group: 'kl-negh-var', cls: 'negh-var', count: 60, namePrefix: "Negh'Var", at: at(110, 190), spread: 14, reserve: true }),
  fed({ group: 'kl-vorcha', cls: 'vorcha', count: 540, namePrefix: "Vor'cha", at: at(80, 170), spread: 32, reserve: true }),
  fed({ group: 'kl-bop', cls: 'bird-of-prey', count: 1560, namePrefix: 'Bird-of-Prey', at: at(140, 150), spread: 40, reserve: true }),
  fed({
    group: 'rom-warbird-1',
    cls: 'romulan-warbird',
    count: 720,
    namePrefix: "D'deridex",
    commander: 'General Velal',
    at: at(90, 540),
    spread: 38,
    reserve: true,
  }),
  fed({
    group: 'rom-warbird-2',
    cls: 'romulan-warbird',
    count: 660,
    namePrefix: "D'deridex",
    at: at(140, 570),
    spread: 36,
    reserve: true,
  }),
  // Cardassian rebels: an invented stand-in for the uprising's sabotage of the communications network,
  // one small raiding party per installation, coming in from the far side of the system.
  ...COMMS_SITES.map((site, i) =>
    fed({
      group: `rebel-${i + 1}`,
      cls: 'galor',
      count: 5,
      namePrefix: `Rebel Galor ${'ABC'[i]}`,
      at: { x: len(975), y: Math.round(site.y + (site.y - CARDASSIA.y) * 0.3) },
      spread: 8,
      heading: Math.PI,
      reserve: true,
    }),
  ),

  // Dominion forward lines (withdrawn to the perimeter under the historical decision).
  dom({
    group: 'dom-fwd-fed',
    cls: 'jemhadar-attack-ship',
    count: 1200,
    namePrefix: "Jem'Hadar",
    at: FORWARD['dom-fwd-fed'].line,
    spread: 40,
    heading: Math.PI,
  }),
  dom({
    group: 'dom-fwd-kl',
    cls: 'jemhadar-attack-ship',
    count: 900,
    namePrefix: "Jem'Hadar",
    at: FORWARD['dom-fwd-kl'].line,
    spread: 36,
    heading: Math.PI,
  }),
  dom({
    group: 'dom-fwd-rom',
    cls: 'jemhadar-attack-ship',
    count: 900,
    namePrefix: "Jem'Hadar",
    at: FORWARD['dom-fwd-rom'].line,
    spread: 36,
    heading: Math.PI,
  }),
  // Home defence around Cardassia Prime.
  dom({
    group: 'dom-jh-w',
    cls: 'jemhadar-attack-ship',
    count: 1230,
    namePrefix: "Jem'Hadar",
    commander: 'Female Shapeshifter',
    at: aroundCardassia(180, 128),
    spread: 22,
    heading: Math.PI,
  }),
  dom({ group: 'dom-jh-n', cls: 'jemhadar-attack-ship', count: 1230, namePrefix: "Jem'Hadar", at: aroundCardassia(-90, 128), spread: 22 }),
  dom({ group: 'dom-jh-s', cls: 'jemhadar-attack-ship', count: 1230, namePrefix: "Jem'Hadar", at: aroundCardassia(90, 128), spread: 22 }),
  dom({ group: 'dom-jh-e', cls: 'jemhadar-attack-ship', count: 1230, namePrefix: "Jem'Hadar", at: aroundCardassia(0, 128), spread: 22 }),
  dom({
    group: 'dom-bc-n',
    cls: 'jemhadar-battlecruiser',
    count: 810,
    namePrefix: "Jem'Hadar battlecruiser",
    at: aroundCardassia(-140, 118),
    spread: 16,
  }),
  dom({
    group: 'dom-bc-s',
    cls: 'jemhadar-battlecruiser',
    count: 810,
    namePrefix: "Jem'Hadar battlecruiser",
    at: aroundCardassia(140, 118),
    spread: 16,
  }),
  dom({ group: 'breen-ne', cls: 'breen-warship', count: 1860, namePrefix: 'Breen warship', at: aroundCardassia(-45, 128), spread: 22 }),
  dom({ group: 'breen-se', cls: 'breen-warship', count: 1860, namePrefix: 'Breen warship', at: aroundCardassia(45, 128), spread: 22 }),
  // Cardassian collaborator fleets guard the far side of the perimeter, away from the Alliance approach.
  dom({ group: 'card-galor-n', cls: 'galor', count: 900, namePrefix: 'Galor', at: aroundCardassia(-70, 190), spread: 20 }),
  dom({ group: 'card-galor-s', cls: 'galor', count: 600, namePrefix: 'Galor', at: aroundCardassia(70, 190), spread: 18 }),
  dom({ group: 'card-keldon-e', cls: 'keldon', count: 600, namePrefix: 'Keldon', at: aroundCardassia(0, 168), spread: 16 }),
  // Fixed defences.
  dom({
    group: 'card-stations',
    cls: 'cardassian-station',
    count: 24,
    namePrefix: 'Cardassian station',
    at: CARDASSIA,
    spread: 95,
    formation: 'ring',
    heading: Math.PI / 4,
  }),
  // "Formidable" platforms (seed): tougher and better armed than the catalogue's, as at Chin'toka.
  dom({
    group: 'orbital-platforms',
    cls: 'orbital-weapons-platform',
    count: 216,
    namePrefix: 'Orbital weapons platform',
    at: CARDASSIA,
    spread: 55,
    formation: 'ring',
    stats: PLATFORM,
  }),
  ...COMMS_SITES.map((at, i) =>
    dom({
      group: `dom-comms-${i + 1}`,
      cls: 'cardassian-station',
      count: 2,
      namePrefix: `Communications installation ${i + 1}`,
      at,
      spread: 8,
      stats: { kind: 'platform', label: 'Communications installation', size: 5, shields: 200, hull: 600, weapons: [] },
    }),
  ),
];

export const COMMS_GROUPS = COMMS_SITES.map((_, i) => `dom-comms-${i + 1}`);
