import { describe, expect, it } from 'vitest';
import { applyEvents, foldInto } from '../../shared/battle/reducer.js';
import { emptyWorld } from '../../shared/battle/state.js';
import { MOVE_STRIDE, MoveView, packMoves, unpackMoves } from '../../client/src/segments/movePack.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { skirmish } from '../fixtures/skirmish.js';

// The segment worker hands a segment's moves to the page in columns, and the page holds each as a MoveView
// (client/src/segments/movePack.ts): the events read, fold and serialise as the plain ones.

const tl = compileBattle(skirmish).timeline;

describe('moves in columns', () => {
  it('unpack(pack(events)) reads, serialises and folds as the events themselves', () => {
    const events = tl.events;
    const { rest, moves } = packMoves(events);
    const n = events.filter((e) => e.type === 'unit:move').length;
    expect(n).toBeGreaterThan(10);
    expect(moves.ids.length).toBe(n);
    expect(moves.cols.length).toBe(n * MOVE_STRIDE);
    expect(rest.length).toBe(events.length - n);
    const back = unpackMoves(rest, moves);
    expect(back.length).toBe(events.length);
    expect(back.filter((e) => e instanceof MoveView).length).toBe(n);
    // The same fields, the same order, the same JSON (the server's key order).
    expect(JSON.stringify(back)).toBe(JSON.stringify(events));
    for (let i = 0; i < events.length; i++) {
      const a = events[i];
      const b = back[i];
      expect(b.seq).toBe(a.seq);
      expect(b.t).toBe(a.t);
      expect(b.type).toBe(a.type);
      if (a.type === 'unit:move' && b.type === 'unit:move') {
        expect([b.id, b.pos, b.vel, b.heading]).toEqual([a.id, a.pos, a.vel, a.heading]);
      } else expect(b).toBe(a); // the other events are handed through as they are
    }
    // Folded in place (a segment world) and immutably, they give the worlds the plain events give.
    const half = Math.floor(events.length / 2);
    expect(foldInto(foldInto(emptyWorld(), back.slice(0, half)), back.slice(half))).toEqual(applyEvents(emptyWorld(), events));
    expect(applyEvents(emptyWorld(), back)).toEqual(applyEvents(emptyWorld(), events));
  });

  it('a segment without moves packs to empty columns', () => {
    const others = tl.events.filter((e) => e.type !== 'unit:move').slice(0, 20);
    const { rest, moves } = packMoves(others);
    expect(moves.ids).toEqual([]);
    expect(rest).toEqual(others);
    expect(unpackMoves(rest, moves)).toEqual(others);
  });
});
