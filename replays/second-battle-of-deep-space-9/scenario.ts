import type { BattleMap, SideInfo, Vec2, Weapon } from '../../shared/battle/types.js';
import type { FieldSpec, ForceGroupSpec } from '../engine/index.js';

// Scenario data for the Second Battle of Deep Space 9 (seed 000_89db2f5ac4c69b1e.txt).
// Geography is schematic: distances are compressed so the whole fight fits a 1000x700 map.

export const FED = 'federation';
export const DOM = 'dominion';

/** Places the machine refers to (orders, effects). */
export const P = {
  ds9: { x: 540, y: 380 },
  wormhole: { x: 635, y: 275 },
  bajor: { x: 440, y: 580 },
  /** Where the Rotarran patrols the Cardassian border. */
  borderPatrol: { x: 270, y: 330 },
  /** Where Dukat's groups halt to demand the surrender: fanned around the station's west side, out of its range. */
  haltCardassian: { x: 360, y: 220 },
  haltJemHadar: { x: 320, y: 380 },
  haltKeldon: { x: 370, y: 510 },
  haltHeavy: { x: 280, y: 290 },
  /** Rotarran's covering position between the wormhole and the fleet. */
  screen: { x: 600, y: 310 },
  /** Where the Rotarran and the Defiant hold while the crew beams aboard: east of the station, away from the fleet. */
  evacRotarran: { x: 650, y: 410 },
  evacDefiant: { x: 655, y: 365 },
  /** Off-map edge toward Federation space (evacuation route). */
  federationSpace: { x: 1000, y: 640 },
} satisfies Record<string, Vec2>;

export const MINEFIELD_ID = 'wormhole-minefield';

export const SIDES: SideInfo[] = [
  {
    id: FED,
    name: 'Federation & Klingon allies',
    color: '#4f8fe8',
    commanders: ['Capt. Benjamin Sisko', 'Gen. Martok', 'Maj. Kira Nerys'],
  },
  {
    id: DOM,
    name: 'Dominion & Cardassian Union',
    color: '#d0463b',
    commanders: ['Gul Skrain Dukat', 'Weyoun'],
  },
];

export const MAP: BattleMap = {
  width: 1000,
  height: 700,
  scaleLabel: '1 unit ≈ 2,000 km (distances compressed)',
  features: [
    {
      id: 'cardassian-border',
      kind: 'border',
      label: 'Cardassian border',
      pos: { x: 200, y: 20 },
      points: [
        { x: 215, y: 0 },
        { x: 195, y: 180 },
        { x: 225, y: 360 },
        { x: 200, y: 540 },
        { x: 220, y: 700 },
      ],
    },
    { id: 'cardassian-space', kind: 'label', label: 'Cardassian space', pos: { x: 100, y: 40 } },
    { id: 'bajoran-sector', kind: 'label', label: 'Bajoran sector', pos: { x: 560, y: 40 } },
    { id: 'federation-space', kind: 'label', label: 'toward Federation space', pos: { x: 900, y: 670 } },
    { id: 'bajor', kind: 'planet', label: 'Bajor', pos: P.bajor, radius: 60 },
    { id: 'ds9', kind: 'station', label: 'Deep Space 9', pos: P.ds9, radius: 16 },
    { id: 'wormhole', kind: 'wormhole', label: 'Bajoran wormhole (to the Gamma Quadrant)', pos: P.wormhole, radius: 24 },
  ],
};

export const FIELDS: FieldSpec[] = [
  {
    id: MINEFIELD_ID,
    label: 'Self-replicating cloaked minefield',
    center: P.wormhole,
    radius: 60,
    // Layer-seconds of work: tuned so the Defiant, mining since the opening, finishes it under
    // the historical five wings before the Gamma Quadrant convoy arrives (see notes.md).
    workSeconds: 257,
    cloaked: true,
    side: FED,
  },
];

export const DS9_SHIELDS = 330_000;
export const DS9_HULL = 150_000;
export const DEFIANT_SHIELDS = 2_600;
export const DEFIANT_HULL = 1_400;
export const ROTARRAN_SHIELDS = 900;
export const ROTARRAN_HULL = 700;

function w(kind: Weapon['kind'], range: number, damage: number, cooldownMs: number, accuracy: number): Weapon {
  return { kind, range, damage, cooldownMs, accuracy };
}

/** DS9's refit weapons (the catalogue's generic station, with more emitters and launchers). */
export const DS9_WEAPONS: Weapon[] = [
  w('phaser', 150, 30, 1500, 0.8),
  w('phaser', 150, 30, 1500, 0.8),
  w('phaser', 150, 30, 1500, 0.8),
  w('phaser', 150, 30, 1500, 0.8),
  w('phaser', 150, 30, 1500, 0.8),
  w('phaser', 150, 30, 1500, 0.8),
  w('torpedo', 150, 60, 2500, 0.7),
  w('torpedo', 150, 60, 2500, 0.7),
  w('torpedo', 150, 60, 2500, 0.7),
];

/** Station shield generator sections; section 17 is the one Dukat knew to target. */
export const SECTION_SHIELDS = 110_000;
export const DS9_SECTIONS = [
  { id: 'section-17', label: 'Section 17, outer docking ring', maxShields: SECTION_SHIELDS },
  { id: 'docking-ring', label: 'Outer docking ring, other sections', maxShields: SECTION_SHIELDS },
  { id: 'habitat-ring', label: 'Habitat ring', maxShields: SECTION_SHIELDS },
  { id: 'core', label: 'Operations core and Promenade', maxShields: SECTION_SHIELDS },
];

export const FORCES: ForceGroupSpec[] = [
  // Federation and Klingon defenders.
  {
    group: 'ds9',
    side: FED,
    cls: 'ds9-station',
    count: 1,
    ids: ['ds9'],
    names: ['Deep Space 9'],
    commander: 'Capt. Benjamin Sisko',
    at: P.ds9,
    spread: 0,
    sections: DS9_SECTIONS,
    // The station was refitted as a fortress and its shields were modified to hold against polaron
    // weapons (the seed's surprise): a pool big enough to stand a 290-ship barrage for minutes.
    stats: { shields: DS9_SHIELDS, hull: DS9_HULL, weapons: DS9_WEAPONS },
  },
  {
    group: 'defiant',
    side: FED,
    cls: 'defiant',
    count: 1,
    ids: ['defiant'],
    names: ['USS Defiant'],
    at: { x: 625, y: 285 },
    spread: 0,
    // The Defiant survives long under fire in the seed; a stock escort would die in seconds to 15 ships.
    stats: { shields: DEFIANT_SHIELDS, hull: DEFIANT_HULL },
  },
  {
    group: 'rotarran',
    side: FED,
    cls: 'bird-of-prey',
    count: 1,
    ids: ['rotarran'],
    names: ['IKS Rotarran'],
    commander: 'Gen. Martok',
    at: { x: 560, y: 370 },
    spread: 0,
    // A veteran crew: the seed has her give covering fire throughout and escape.
    stats: { shields: ROTARRAN_SHIELDS, hull: ROTARRAN_HULL },
  },
  // Dukat's assault fleet, massing across the border: 290 warships.
  {
    group: 'cardassian-main',
    side: DOM,
    cls: 'galor',
    count: 80,
    ids: ['dukat-flagship'],
    names: ["Dukat's flagship"],
    namePrefix: 'Galor',
    commander: 'Gul Skrain Dukat',
    at: { x: 110, y: 270 },
    spread: 70,
    formation: 'grid',
    heading: 0,
  },
  {
    group: 'keldon-line',
    side: DOM,
    cls: 'keldon',
    count: 20,
    namePrefix: 'Keldon',
    commander: 'Gul Skrain Dukat',
    at: { x: 120, y: 420 },
    spread: 40,
    formation: 'grid',
    heading: 0,
  },
  {
    group: 'jemhadar-main',
    side: DOM,
    cls: 'jemhadar-attack-ship',
    count: 120,
    namePrefix: "Jem'Hadar",
    commander: 'Weyoun',
    at: { x: 90, y: 360 },
    spread: 80,
    formation: 'grid',
    heading: 0,
  },
  {
    group: 'jemhadar-heavy',
    side: DOM,
    cls: 'jemhadar-battlecruiser',
    count: 10,
    namePrefix: "Jem'Hadar battlecruiser",
    commander: 'Weyoun',
    at: { x: 50, y: 350 },
    spread: 30,
    formation: 'line',
    heading: 0,
  },
  // Dukat's reserve: held back across the border, committed at the end.
  {
    group: 'reserve-cardassian',
    side: DOM,
    cls: 'galor',
    count: 25,
    namePrefix: 'Reserve Galor',
    commander: 'Gul Skrain Dukat',
    at: { x: 60, y: 140 },
    spread: 40,
    formation: 'grid',
    heading: 0,
  },
  {
    group: 'reserve-jemhadar',
    side: DOM,
    cls: 'jemhadar-attack-ship',
    count: 35,
    namePrefix: "Reserve Jem'Hadar",
    commander: 'Weyoun',
    at: { x: 60, y: 580 },
    spread: 45,
    formation: 'grid',
    heading: 0,
  },
  // Reinforcements waiting in the Gamma Quadrant; they come through the wormhole only if it is open.
  {
    group: 'gamma-convoy',
    side: DOM,
    cls: 'jemhadar-attack-ship',
    count: 36,
    namePrefix: "Gamma convoy Jem'Hadar",
    commander: 'Weyoun',
    at: P.wormhole,
    spread: 30,
    formation: 'wedge',
    heading: Math.PI * 0.8,
    reserve: true,
  },
  {
    group: 'gamma-convoy-heavy',
    side: DOM,
    cls: 'jemhadar-battlecruiser',
    count: 4,
    namePrefix: 'Gamma convoy battlecruiser',
    commander: 'Weyoun',
    at: P.wormhole,
    spread: 15,
    formation: 'line',
    heading: Math.PI * 0.8,
    reserve: true,
  },
];

/** Main-body groups that bombard the station. */
export const MAIN_BODY = ['cardassian-main', 'keldon-line', 'jemhadar-main', 'jemhadar-heavy'] as const;
/** Where each main-body group halts before the assault (each then attacks along its own bearing). */
export const HALT: Record<(typeof MAIN_BODY)[number], Vec2> = {
  'cardassian-main': P.haltCardassian,
  'keldon-line': P.haltKeldon,
  'jemhadar-main': P.haltJemHadar,
  'jemhadar-heavy': P.haltHeavy,
};
export const RESERVE = ['reserve-cardassian', 'reserve-jemhadar'] as const;
export const CONVOY = ['gamma-convoy', 'gamma-convoy-heavy'] as const;

/** Ships per Jem'Hadar attack wing (the detach order moves wings * this many ships). */
export const SHIPS_PER_WING = 3;
