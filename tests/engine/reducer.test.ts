import { describe, expect, it } from 'vitest';
import type { BattleEvent, BattleEventBody } from '../../shared/battle/events.js';
import { applyEvent, applyEvents, foldInto } from '../../shared/battle/reducer.js';
import { countUnit, emptyWorld, positionAt, type SideStrength, strengthBySide, type WorldState } from '../../shared/battle/state.js';
import { compileBattle } from '../../replays/engine/compiler.js';
import { skirmish } from '../fixtures/skirmish.js';
import { testUnit } from '../fixtures/units.js';

const unit = testUnit;

function stamp(bodies: BattleEventBody[], times: number[]): BattleEvent[] {
  return bodies.map((b, i) => ({ seq: i, t: times[i] ?? 0, ...b }) as BattleEvent);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

describe('reducer', () => {
  const events = stamp(
    [
      { type: 'unit:spawn', unit: unit('a') },
      { type: 'unit:spawn', unit: unit('b', { side: 'red', sections: [{ id: 's', label: 'S', shields: 50, maxShields: 50 }] }) },
      { type: 'unit:move', id: 'a', pos: { x: 10, y: 0 }, vel: { x: 5, y: 0 }, heading: 0 },
      { type: 'unit:fire', from: 'a', to: 'b', weapon: 'phaser', hit: true, shields: 60, hull: 200 },
      { type: 'unit:fire', from: 'a', to: 'b', weapon: 'phaser', hit: true, shields: 0, hull: 200, section: { id: 's', shields: 0 } },
      { type: 'unit:status', id: 'a', status: 'disabled', reason: 'sabotage' },
      { type: 'unit:side', ids: ['b'], side: 'blue' },
      { type: 'phase:start', phaseId: 'p', title: 'P', label: 'L', caption: 'C' },
      {
        type: 'field',
        field: {
          id: 'f',
          kind: 'minefield',
          label: 'F',
          center: { x: 0, y: 0 },
          radius: 5,
          progress: 0.5,
          active: false,
          cloaked: true,
          replicated: 0,
        },
      },
      { type: 'battle:end', winner: 'blue', summary: 'done' },
    ],
    [0, 0, 1000, 1500, 1600, 3000, 3500, 4000, 4000, 5000],
  );

  it('folds spawn, move, fire, sections, status, side, phase, field and end', () => {
    const s = applyEvents(emptyWorld(), events);
    expect(s.nextSeq).toBe(events.length);
    expect(s.t).toBe(5000);
    // move at t=1000 to x=10 with 5 u/s; disabled at 3000 freezes it at x=20.
    expect(s.units.a.pos).toEqual({ x: 20, y: 0 });
    expect(s.units.a.vel).toEqual({ x: 0, y: 0 });
    expect(s.units.a.status).toBe('disabled');
    expect(s.units.b.shields).toBe(0);
    expect(s.units.b.sections?.[0].shields).toBe(0);
    expect(s.units.b.side).toBe('blue');
    expect(s.phaseId).toBe('p');
    expect(s.fields.f.progress).toBe(0.5);
    expect(s.ended).toEqual({ winner: 'blue', summary: 'done' });
    expect(strengthBySide(s).blue.ships).toBe(2);
  });

  it('counts forces by one rule: decoys left out, dead units keep their side at 0, platforms are stations', () => {
    const units = [
      unit('s1'),
      unit('s2', { hull: 50 }),
      unit('dead', { status: 'destroyed', hull: 0 }),
      unit('decoy', { kind: 'decoy' }),
      unit('plat', { kind: 'platform' }),
      unit('r1', { side: 'red', status: 'retreated' }),
    ];
    const state: WorldState = { ...emptyWorld(), units: Object.fromEntries(units.map((u) => [u.id, u])) };
    const bySide = strengthBySide(state);
    expect(bySide.blue).toEqual({ side: 'blue', ships: 2, stations: 1, strength: 1 + 0.25 + 1 });
    expect(bySide.red).toEqual({ side: 'red', ships: 0, stations: 0, strength: 0 });
    // Unit by unit (the side panel counts a big world over a few frames): the same counts.
    const tally: Record<string, SideStrength> = {};
    for (const u of units) countUnit(tally, u);
    expect(tally).toEqual(bySide);
  });

  it('dead reckons between moves', () => {
    const s = applyEvents(emptyWorld(), events.slice(0, 3));
    expect(positionAt(s.units.a, 3000)).toEqual({ x: 20, y: 0 });
  });

  it('never mutates its input and shares unchanged units', () => {
    let s: WorldState = deepFreeze(emptyWorld());
    for (const ev of events) {
      const before = JSON.stringify(s);
      const next = applyEvent(s, deepFreeze(structuredClone(ev)));
      expect(JSON.stringify(s)).toBe(before);
      if (ev.type === 'unit:fire') expect(next.units.a).toBe(s.units.a);
      s = deepFreeze(next);
    }
  });

  it('batch folding equals event-by-event folding and leaves the input untouched', () => {
    const tl = compileBattle(skirmish).timeline;
    let one = emptyWorld();
    for (const ev of tl.events) one = applyEvent(one, ev);
    expect(applyEvents(emptyWorld(), tl.events)).toEqual(one);
    // From a mid state (frozen, so any write would throw).
    const mid = deepFreeze(applyEvents(emptyWorld(), tl.events.slice(0, 100)));
    let seq = mid;
    for (const ev of tl.events.slice(100)) seq = applyEvent(seq, ev);
    expect(applyEvents(mid, tl.events.slice(100))).toEqual(seq);
  });

  it('folding in place (foldInto) gives the same worlds, keeps the unit map until units are added, and never writes an event', () => {
    const tl = compileBattle(skirmish).timeline;
    // The events frozen: a spawned unit written in place would throw.
    const events = tl.events.map((ev) => deepFreeze(structuredClone(ev)));
    let own = structuredClone(applyEvents(emptyWorld(), events.slice(0, 50)));
    for (let i = 50; i < events.length; i += 37) {
      const batch = events.slice(i, i + 37);
      const before = own.units;
      const next = foldInto(own, batch);
      expect(next).not.toBe(own);
      expect(next).toEqual(applyEvents(emptyWorld(), events.slice(0, i + batch.length)));
      expect(next.units === before).toBe(!batch.some((ev) => ev.type === 'unit:spawn'));
      own = next;
    }
  });
});
