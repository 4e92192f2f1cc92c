import type { BattleDefinition } from '../engine/index.js';
import { DECISIONS } from './decisions.js';
import { machine } from './machine.js';
import { FIELDS, FORCES, MAP, SIDES } from './scenario.js';

// The Second Battle of Deep Space 9 (2373), paraphrased from seed 000_89db2f5ac4c69b1e.txt.
export const battle: BattleDefinition = {
  info: {
    id: 'second-battle-of-deep-space-9',
    title: 'Second Battle of Deep Space 9',
    summary: "Dukat's fleet of nearly 300 ships takes Deep Space 9, but the Defiant's minefield seals the wormhole behind them.",
    year: '2373',
    location: 'Deep Space 9 and the Bajoran wormhole, Bajor sector',
    seedFile: '000_89db2f5ac4c69b1e.txt',
    sides: SIDES,
    map: MAP,
  },
  seed: 2373,
  forces: FORCES,
  fields: FIELDS,
  notable: ['ds9', 'defiant', 'rotarran', 'dukat-flagship'],
  decisions: DECISIONS,
  machine,
  maxDurationMs: 14 * 60_000,
};
