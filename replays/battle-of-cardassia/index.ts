import type { BattleDefinition } from '../engine/index.js';
import { decisions } from './decisions.js';
import { machine } from './machine.js';
import { forces, map, sides } from './scenario.js';

export const battle: BattleDefinition = {
  info: {
    id: 'battle-of-cardassia',
    title: 'Battle of Cardassia',
    summary:
      'The last battle of the Dominion War: 6,795 Alliance ships surround Cardassia Prime and its 15,360-ship Dominion, Breen and Cardassian defence with 246 stations and platforms; 2,100 Cardassian ships turn on the Dominion, and the Founder surrenders before the Alliance pays the over 40% of its fleet it was projected to lose.',
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
  // At 22,000 units nine events in ten were single shots: each step's shots travel as one unit:volley.
  volleys: true,
};
