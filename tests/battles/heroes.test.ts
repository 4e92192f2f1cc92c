import { describe, expect, it } from 'vitest';
import { isHero } from '../../client/src/room/tactical/unitLayer.js';
import { createWorld, publicUnit } from '../../replays/engine/sim/index.js';
import { battles } from '../../replays/index.js';

// The heroes of each story (named in its notes.md) are the units the tactical view rings with a
// halo and always labels: the units a scenario gives an explicit id, unlike the numbered rest.

const HEROES: Record<string, string[]> = {
  'second-battle-of-deep-space-9': ['defiant', 'rotarran', 'dukat-flagship'],
  'battle-of-terok-nor': ['iss-defiant', 'raider', 'regent-flagship'],
  'battle-of-cardassia': ['defiant'],
};

describe('hero units', () => {
  for (const def of battles) {
    it(`${def.info.id}: the named units and only they are heroes`, () => {
      const units = createWorld(def, def.seed).units.map(publicUnit);
      const heroes = units.filter((u) => u.kind !== 'station' && isHero(u)).map((u) => u.id);
      expect(heroes.sort()).toEqual([...(HEROES[def.info.id] ?? [])].sort());
    });
  }
});
