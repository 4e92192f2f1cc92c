import { describe, expect, it } from 'vitest';
import { packHex } from '../../client/src/room/tactical/stampLayer.js';
import { isHero } from '../../client/src/room/tactical/unitLayer.js';

// The big-battle unit drawing's pure parts: side colours as ImageData words, and the hero rule
// (a named unit, not `<group>-<n>`) now written without a regex per unit per frame.

describe('stamped unit drawing', () => {
  it('packs hex colours as opaque little-endian RGBA words and refuses anything else', () => {
    expect(packHex('#4a90e2')).toBe(((0xff << 24) >>> 0) + (0xe2 << 16) + (0x90 << 8) + 0x4a);
    expect(packHex('#f00')).toBe(0xff0000ff);
    expect(packHex('rgb(1, 2, 3)')).toBeNull();
    expect(packHex('#12345')).toBeNull();
  });

  it('calls a unit a hero exactly when its id does not end in -<digits>', () => {
    const ids = ['defiant', 'blue-1', 'g-12', '-1', '1', 'a-', 'a-b1', 'x-1-2', 'rotarran', 'blue-3a', 'ds9', 'k-007'];
    for (const id of ids) expect(isHero({ id, kind: 'ship' }), id).toBe(!/-\d+$/.test(id));
    expect(isHero({ id: 'defiant', kind: 'decoy' })).toBe(false);
  });
});
