import type { Weapon, WeaponKind } from '../../shared/battle/types.js';
import type { UnitClassStats } from './types.js';

// The shared unit catalogue. Scale: maps are ~1000x700 units, ships move 8-40 units/s, weapons reach
// 40-150 units. Figures are relative, not canon: what matters is that a Galaxy outguns a Miranda, a
// Defiant hits far above its size and a station is a fortress. Cooldowns are a few seconds so a
// 10-minute battle stays in the 10^4-10^5 event range.

function w(kind: WeaponKind, range: number, damage: number, cooldownMs: number, accuracy: number): Weapon {
  return { kind, range, damage, cooldownMs, accuracy };
}

export const UNIT_CLASSES: Record<string, UnitClassStats> = {
  // Federation
  defiant: {
    kind: 'ship',
    label: 'Defiant-class escort',
    speed: 38,
    shields: 260,
    hull: 240,
    size: 7,
    weapons: [w('cannon', 70, 34, 1800, 0.85), w('torpedo', 120, 60, 5000, 0.7)],
  },
  galaxy: {
    kind: 'ship',
    label: 'Galaxy-class explorer',
    speed: 22,
    shields: 520,
    hull: 560,
    size: 16,
    weapons: [w('phaser', 110, 30, 2200, 0.8), w('torpedo', 130, 55, 5500, 0.65)],
  },
  excelsior: {
    kind: 'ship',
    label: 'Excelsior-class cruiser',
    speed: 24,
    shields: 360,
    hull: 400,
    size: 13,
    weapons: [w('phaser', 100, 24, 2400, 0.75), w('torpedo', 120, 50, 6000, 0.6)],
  },
  miranda: {
    kind: 'ship',
    label: 'Miranda-class frigate',
    speed: 24,
    shields: 200,
    hull: 240,
    size: 10,
    weapons: [w('phaser', 90, 18, 2600, 0.7), w('torpedo', 110, 45, 7000, 0.6)],
  },
  akira: {
    kind: 'ship',
    label: 'Akira-class cruiser',
    speed: 30,
    shields: 320,
    hull: 320,
    size: 12,
    weapons: [w('phaser', 100, 22, 2400, 0.75), w('torpedo', 125, 55, 3500, 0.65)],
  },
  // Cardassian
  galor: {
    kind: 'ship',
    label: 'Galor-class cruiser',
    speed: 24,
    shields: 240,
    hull: 300,
    size: 12,
    weapons: [w('disruptor', 95, 22, 2400, 0.7), w('torpedo', 110, 40, 7000, 0.55)],
  },
  keldon: {
    kind: 'ship',
    label: 'Keldon-class cruiser',
    speed: 24,
    shields: 300,
    hull: 340,
    size: 13,
    weapons: [w('disruptor', 100, 26, 2300, 0.72), w('torpedo', 115, 45, 6500, 0.58)],
  },
  'cardassian-station': {
    kind: 'station',
    label: 'Cardassian orbital station',
    speed: 0,
    shields: 900,
    hull: 1200,
    size: 26,
    weapons: [w('disruptor', 130, 30, 1800, 0.75), w('disruptor', 130, 30, 1800, 0.75), w('torpedo', 150, 60, 5000, 0.6)],
  },
  // Dominion
  'jemhadar-attack-ship': {
    kind: 'ship',
    label: "Jem'Hadar attack ship",
    speed: 34,
    shields: 160,
    hull: 180,
    size: 8,
    weapons: [w('polaron', 85, 20, 2200, 0.72)],
  },
  'jemhadar-battlecruiser': {
    kind: 'ship',
    label: "Jem'Hadar battlecruiser",
    speed: 22,
    shields: 480,
    hull: 560,
    size: 18,
    weapons: [w('polaron', 110, 32, 2000, 0.75), w('torpedo', 125, 55, 6000, 0.6)],
  },
  // Klingon
  'bird-of-prey': {
    kind: 'ship',
    label: 'Bird-of-Prey',
    speed: 36,
    shields: 160,
    hull: 180,
    size: 8,
    weapons: [w('disruptor', 85, 22, 2000, 0.75), w('torpedo', 110, 45, 6500, 0.6)],
  },
  vorcha: {
    kind: 'ship',
    label: "Vor'cha-class attack cruiser",
    speed: 28,
    shields: 360,
    hull: 400,
    size: 14,
    weapons: [w('disruptor', 105, 28, 2200, 0.75), w('torpedo', 120, 50, 6000, 0.6)],
  },
  'negh-var': {
    kind: 'ship',
    label: "Negh'Var-class warship",
    speed: 22,
    shields: 620,
    hull: 700,
    size: 20,
    weapons: [w('disruptor', 115, 34, 2000, 0.78), w('disruptor', 115, 34, 2000, 0.78), w('torpedo', 130, 60, 5000, 0.62)],
  },
  // Mirror universe
  'terran-raider': {
    kind: 'ship',
    label: 'Terran raider',
    speed: 32,
    shields: 110,
    hull: 140,
    size: 7,
    weapons: [w('phaser', 75, 16, 2400, 0.65)],
  },
  // Romulan, Breen
  'romulan-warbird': {
    kind: 'ship',
    label: "D'deridex-class warbird",
    speed: 22,
    shields: 560,
    hull: 620,
    size: 20,
    weapons: [w('disruptor', 115, 32, 2100, 0.75), w('plasma', 130, 60, 6000, 0.6)],
  },
  'breen-warship': {
    kind: 'ship',
    label: 'Breen warship',
    speed: 28,
    shields: 300,
    hull: 320,
    size: 12,
    weapons: [w('disruptor', 100, 26, 2300, 0.72), w('torpedo', 115, 45, 6500, 0.58)],
  },
  // Fixed installations
  'ds9-station': {
    kind: 'station',
    label: 'Terok Nor-type station (Deep Space 9)',
    speed: 0,
    shields: 1600,
    hull: 2400,
    size: 30,
    weapons: [
      w('phaser', 150, 30, 1500, 0.8),
      w('phaser', 150, 30, 1500, 0.8),
      w('phaser', 150, 30, 1500, 0.8),
      w('torpedo', 150, 60, 2500, 0.7),
      w('torpedo', 150, 60, 2500, 0.7),
    ],
  },
  'nor-station': {
    kind: 'station',
    label: 'Nor-type station',
    speed: 0,
    shields: 1400,
    hull: 2200,
    size: 30,
    weapons: [
      w('disruptor', 150, 28, 1600, 0.78),
      w('disruptor', 150, 28, 1600, 0.78),
      w('disruptor', 150, 28, 1600, 0.78),
      w('torpedo', 150, 55, 3000, 0.68),
    ],
  },
  'orbital-weapons-platform': {
    kind: 'platform',
    label: 'Orbital weapons platform',
    speed: 0,
    shields: 500,
    hull: 600,
    size: 10,
    weapons: [w('disruptor', 130, 36, 2000, 0.78), w('torpedo', 140, 55, 5000, 0.65)],
  },
  // Sensor ghost: draws pursuit, cannot fire or be hurt (see sim decoys).
  'warp-shadow': {
    kind: 'decoy',
    label: 'Warp shadow (sensor decoy)',
    speed: 34,
    shields: 0,
    hull: 1,
    size: 6,
    weapons: [],
  },
};

export function classStats(cls: string): UnitClassStats {
  const stats = Object.hasOwn(UNIT_CLASSES, cls) ? UNIT_CLASSES[cls] : undefined;
  if (!stats) {
    throw new Error(`Unknown unit class '${cls}'. Valid classes: ${Object.keys(UNIT_CLASSES).sort().join(', ')}`);
  }
  return stats;
}
