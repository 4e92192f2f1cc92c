import type { BattleDefinition } from '../engine/index.js';
import { decisions } from './decisions.js';
import { machine } from './machine.js';
import { forces, map, sides } from './scenario.js';

export const battle: BattleDefinition = {
  info: {
    id: 'battle-of-cardassia',
    title: 'Battle of Cardassia',
    summary:
      'The last battle of the Dominion War: the Alliance fleet surrounds Cardassia Prime, the Cardassians turn on the Dominion, and the Founder surrenders.',
    year: '2375',
    location: 'Cardassia Prime',
    seedFile: '001_20da251821cb360a.txt',
    sides,
    map,
  },
  seed: 2375,
  forces,
  notable: ['defiant'],
  decisions,
  machine,
  maxDurationMs: 14 * 60_000,
};
