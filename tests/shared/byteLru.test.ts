import { describe, expect, it } from 'vitest';
import { ByteLru } from '../../shared/cache/ByteLru.js';

// The one LRU of the project (shared/cache/ByteLru.ts): byte and entry budgets, recency, pinning.

const sized = (maxBytes: number, maxEntries?: number) => {
  const evicted: string[] = [];
  const lru = new ByteLru<string>({ maxBytes, maxEntries, sizeOf: (v) => v.length, onEvict: (k) => evicted.push(k) });
  return { lru, evicted };
};

describe('ByteLru', () => {
  it('evicts least recently used entries past the byte budget; get refreshes, peek does not', () => {
    const { lru, evicted } = sized(10);
    lru.set('a', 'aaaa');
    lru.set('b', 'bbbb');
    expect(lru.get('a')).toBe('aaaa'); // a is now the most recent
    expect(lru.peek('b')).toBe('bbbb'); // b stays the least recent
    lru.set('c', 'cccc');
    expect(evicted).toEqual(['b']);
    expect([...lru.keys()]).toEqual(['a', 'c']);
    expect(lru.bytes).toBe(8);
  });

  it('holds the entry budget as well', () => {
    const { lru, evicted } = sized(Number.POSITIVE_INFINITY, 2);
    for (const k of ['a', 'b', 'c', 'd']) lru.set(k, k);
    expect(evicted).toEqual(['a', 'b']);
    expect(lru.size).toBe(2);
  });

  it('keeps the entry just written even when it alone is over budget, until the next write', () => {
    const { lru } = sized(5);
    lru.set('small', 'xx');
    lru.set('huge', 'x'.repeat(50));
    expect(lru.has('small')).toBe(false);
    expect(lru.get('huge')).toBeDefined();
    lru.set('next', 'y');
    expect(lru.has('huge')).toBe(false);
    expect(lru.bytes).toBe(1);
  });

  it('never evicts pinned entries; they count toward the budgets; unpinning lets them go', () => {
    const { lru, evicted } = sized(10);
    lru.set('history', 'hhhhhh', { pinned: true });
    lru.set('a', 'aaa');
    lru.set('b', 'bbb'); // 12 bytes: a goes, history stays although least recent
    expect(evicted).toEqual(['a']);
    lru.set('c', 'ccc');
    expect(evicted).toEqual(['a', 'b']);
    expect(lru.has('history')).toBe(true);
    expect(lru.isPinned('history')).toBe(true);
    lru.set('history', 'hhhhhhh'); // replaced: keeps its pin
    expect(lru.isPinned('history')).toBe(true);
    lru.pin('c');
    lru.set('d', 'dd'); // only pinned entries and d: over budget, nothing to evict
    expect([...lru.keys()].sort()).toEqual(['c', 'd', 'history']);
    expect(lru.bytes).toBe(12);
    lru.pin('history', false);
    expect(lru.has('history')).toBe(false); // unpinned while over budget: evicted at once
    expect(lru.bytes).toBe(5);
  });

  it('resize changes bytes in place and trims; delete frees without onEvict', () => {
    const { lru, evicted } = sized(10);
    lru.set('a', 'a', { bytes: 0 });
    lru.set('b', 'b', { bytes: 0 });
    lru.resize('b', 6);
    lru.resize('a', 6); // 12 bytes: b goes although more recent than a, because a is the entry being resized
    expect(evicted).toEqual(['b']);
    expect(lru.delete('a')).toBe(true);
    expect(lru.delete('a')).toBe(false);
    expect(lru.bytes).toBe(0);
    expect(evicted).toEqual(['b']);
    lru.resize('missing', 3);
    expect(lru.size).toBe(0);
  });

  it('lists entries least recently used first', () => {
    const lru = new ByteLru<number>({ maxEntries: 3 });
    lru.set('x', 1);
    lru.set('y', 2);
    lru.get('x');
    expect([...lru.entries()]).toEqual([
      ['y', 2],
      ['x', 1],
    ]);
  });

  it('evictTo makes room below the budget: least recently used first, pinned and spared entries stay', () => {
    const { lru, evicted } = sized(100);
    lru.set('h', 'hhhh', { pinned: true });
    for (const k of ['a', 'b', 'c']) lru.set(k, k.repeat(4));
    expect(lru.evictTo(9, (k) => k === 'a')).toBe(8); // a spared: b then c go (h pinned)
    expect(evicted).toEqual(['b', 'c']);
    expect([...lru.keys()]).toEqual(['h', 'a']);
    expect(lru.evictTo(0)).toBe(4); // down to the pinned entry
    expect(lru.bytes).toBe(4);
  });

  it('the spare option keeps an entry through every eviction (set, resize, evictTo) while it says so', () => {
    const spared = new Set(['a']);
    const evicted: string[] = [];
    const lru = new ByteLru<string>({ maxBytes: 8, sizeOf: (v) => v.length, onEvict: (k) => evicted.push(k), spare: (k) => spared.has(k) });
    lru.set('a', 'aaaa'); // least recently used from here on
    lru.set('b', 'bbbb');
    lru.set('c', 'cccc'); // over: b goes, not a
    expect(evicted).toEqual(['b']);
    lru.resize('c', 6); // over again: nothing to give up but c itself, which a resize keeps
    expect(lru.has('a')).toBe(true);
    expect(lru.evictTo(0)).toBe(6);
    expect([...lru.keys()]).toEqual(['a']);
    spared.clear();
    lru.set('d', 'dddddd'); // no longer spared: a goes for the next write
    expect(evicted).toEqual(['b', 'c', 'a']);
    expect(lru.bytes).toBe(6);
  });
});
