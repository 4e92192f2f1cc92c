import { describe, expect, it } from 'vitest';
import { ColorWords, HEADINGS, mask, packHex, stamp, WedgeMasks } from '../../client/src/room/tactical/wedgeStamp.js';
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

  it('serves both stamp layers one colour-word cache and one mask cache (wedgeStamp.ts)', () => {
    const words = new ColorWords();
    for (const c of ['#4a90e2', '#4a90e2', 'red', '#f00', 'red', '#4a90e2']) expect(words.word(c)).toBe(packHex(c));
    const masks = new WedgeMasks();
    // Half-size rounds to 0.5 device px, heading to one of HEADINGS buckets (a full turn is the same bucket).
    expect(masks.get(3.2, 0)).toEqual(mask(3, 0));
    expect(masks.get(3.2, Math.PI * 2)).toBe(masks.get(3.2, 0));
    expect(masks.get(0.2, Math.PI / 2)).toEqual(mask(1, HEADINGS / 4));
    const px = new Uint32Array(10 * 10);
    const rows = { lo: Infinity, hi: -Infinity };
    // A wedge at the corner: only its on-buffer pixels are written, and the rows span what was touched.
    stamp(px, 10, 10, 0, 0, masks.get(3, 0), 7, rows);
    expect(px.filter((v) => v === 7).length).toBeGreaterThan(0);
    expect(rows.lo).toBe(0);
    expect(rows.hi).toBeLessThan(4);
  });

  it('calls a unit a hero exactly when its id does not end in -<digits>', () => {
    const ids = ['defiant', 'blue-1', 'g-12', '-1', '1', 'a-', 'a-b1', 'x-1-2', 'rotarran', 'blue-3a', 'ds9', 'k-007'];
    for (const id of ids) expect(isHero({ id, kind: 'ship' }), id).toBe(!/-\d+$/.test(id));
    expect(isHero({ id: 'defiant', kind: 'decoy' })).toBe(false);
  });
});
