import type { BattleDefinition } from '../engine/index.js';
import { decisions } from './decisions.js';
import { machine } from './machine.js';
import { fields, forces, map, notable, sides } from './scenario.js';

// Battle of Terok Nor (mirror universe, 2372): the rebels hold the captured station against the
// Regent's assault fleet. Source: ../shared/seeds/002_9e990cbe2c332bc1.txt (paraphrased; see notes.md).
export const battle: BattleDefinition = {
  info: {
    id: 'battle-of-terok-nor',
    title: 'Battle of Terok Nor',
    summary:
      "Newly seized by the Terran Rebellion, Terok Nor holds off Regent Worf's Alliance fleet thanks to a hastily refitted Defiant and a raider's decoy run.",
    year: '2372',
    location: 'Terok Nor, Bajoran system (mirror universe)',
    seedFile: '002_9e990cbe2c332bc1.txt',
    sides,
    map,
  },
  seed: 2372,
  forces,
  fields,
  notable,
  decisions,
  machine,
  maxDurationMs: 14 * 60_000,
};
