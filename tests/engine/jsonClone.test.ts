import { describe, expect, it } from 'vitest';
import { cloneJson, cloneJsonInSlices, plainJsonInPlace } from '../../replays/engine/jsonClone.js';

// The copy made a slice at a time must be the copy made at once (key order included), and must stop when asked.

const world = () => ({
  t: 1200,
  units: Array.from({ length: 2_500 }, (_, i) => ({ id: `u${i}`, pos: { x: i, y: -i }, tags: ['a', i % 2 ? 'b' : 'c'] })),
  groups: { g1: Array.from({ length: 1_500 }, (_, i) => `u${i}`), g2: ['u1'] },
  reserves: { late: Array.from({ length: 1_200 }, (_, i) => ({ id: `r${i}`, hull: 0.5 })) },
  byId: Object.fromEntries(Array.from({ length: 1_100 }, (_, i) => [`k${i}`, { n: i }])),
  rng: { s: [1, 2, 3, 4] },
  ended: null,
});

describe('cloneJsonInSlices', () => {
  it('builds what cloneJson builds, pausing between slices of large containers', async () => {
    const src = world();
    let pauses = 0;
    const sliced = await cloneJsonInSlices(src, async () => ++pauses > 0, 1000);
    expect(JSON.stringify(sliced)).toBe(JSON.stringify(cloneJson(src)));
    expect(sliced).not.toBe(src);
    expect(sliced?.units[0]).not.toBe(src.units[0]); // deep
    // 2,500 units + 1,500 ids + 1,200 reserves + 1,100 keys = 6,300 elements: a pause every 1,000.
    expect(pauses).toBe(6);
  });

  it('gives up (null) when a pause says so', async () => {
    let pauses = 0;
    expect(await cloneJsonInSlices(world(), async () => ++pauses < 2, 1000)).toBeNull();
    expect(pauses).toBe(2);
  });
});

describe('plainJsonInPlace', () => {
  const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

  it('turns -0 into 0 in place, deep, and then equals the JSON copy', () => {
    const v = { t: -0, units: [{ pos: { x: -0, y: 2 }, cd: [0, -0, 5], tags: ['a'] }], rng: { s: [-0] }, ended: null, on: true };
    const copy = roundTrip(v);
    const units = v.units;
    expect(plainJsonInPlace(v)).toBe(true);
    expect(v.units).toBe(units); // the same objects, changed in place
    expect(Object.is(v.t, 0) && Object.is(v.units[0].pos.x, 0) && Object.is(v.units[0].cd[1], 0) && Object.is(v.rng.s[0], 0)).toBe(true);
    expect(v).toStrictEqual(copy);
    expect(Object.keys(v)).toEqual(Object.keys(copy as object));
  });

  it('keeps a non-enumerable toJSON on the root out of it (the world syncs its step arrays that way)', () => {
    const v = { t: 1, units: [] };
    Object.defineProperty(v, 'toJSON', { value: () => ({ ...v }), enumerable: false });
    expect(plainJsonInPlace(v)).toBe(true);
  });

  it.each([
    ['undefined value', { a: undefined }],
    ['NaN', { a: Number.NaN }],
    ['Infinity in an array', { a: [1, Number.POSITIVE_INFINITY] }],
    ['array hole', { a: Object.assign(new Array<number>(3), { 0: 1, 2: 3 }) }],
    ['undefined in an array', { a: [undefined] }],
    ['function', { a: () => 1 }],
    ['bigint', { a: 1n }],
    ['symbol', { a: Symbol('s') }],
    ['class instance', { a: new Map() }],
    ['Date', { a: new Date(0) }],
    ['own toJSON', { a: { toJSON: () => 1 } }],
    ['-0 alone', -0],
    ['undefined alone', undefined],
  ])('says false for what only JSON makes plain: %s', (_name, v) => {
    expect(plainJsonInPlace(v)).toBe(false);
  });

  it('says true for scalars JSON keeps', () => {
    for (const v of ['s', 0, 1.5, true, null]) expect(plainJsonInPlace(v)).toBe(true);
  });
});
