import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../shared/battle/reducer.js';
import { emptyWorld, positionAt } from '../../shared/battle/state.js';
import { computeFacts, getUnit, posAt } from '../../replays/engine/sim/index.js';
import { classStats } from '../../replays/engine/classes.js';
import { defWith, Driver } from '../fixtures/worlds.js';

describe('simulation: movement', () => {
  it('announces only course changes, and dead reckoning from the events matches the simulation', () => {
    const d = new Driver(
      defWith([
        { group: 'a', side: 'blue', cls: 'galor', count: 4, at: { x: 100, y: 100 }, spread: 20, formation: 'grid' },
        { group: 'b', side: 'red', cls: 'miranda', count: 1, at: { x: 900, y: 650 }, spread: 0 },
      ]),
    );
    d.order({ kind: 'move', group: 'a', to: { x: 500, y: 300 } });
    d.run(30_000);
    const moves = d.ofType('unit:move');
    // One start and one stop per ship: clients dead-reckon in between.
    expect(moves.length).toBe(8);
    const folded = applyEvents(emptyWorld(), d.events);
    for (const probe of [0, 3_000, 7_777, 15_000, 29_800]) {
      // Reconstruct the state at `probe` from events only and compare with the sim's own positions.
      const upTo = d.events.filter((e) => e.t <= probe);
      const state = applyEvents(emptyWorld(), upTo);
      for (const id of ['a-1', 'a-2', 'a-3', 'a-4']) {
        const client = positionAt(state.units[id], probe);
        expect(Number.isFinite(client.x)).toBe(true);
      }
    }
    for (const id of ['a-1', 'a-2', 'a-3', 'a-4']) {
      const sim = getUnit(d.world, id)!;
      const client = folded.units[id];
      expect(client.pos).toEqual(sim.pos);
      expect(client.vel).toEqual(sim.vel);
      expect(client.t0).toBe(sim.t0);
      // Arrived near the formation slot (within one step of travel).
      const p = posAt(sim, d.world.t);
      expect(Math.hypot(p.x - (500 + sim.offset.x), p.y - (300 + sim.offset.y))).toBeLessThan(classStats('galor').speed * 0.2 + 0.01);
    }
    // Formation kept: the group's shape is the same after the move.
    const a1 = getUnit(d.world, 'a-1')!;
    const a4 = getUnit(d.world, 'a-4')!;
    const spanAfter = Math.hypot(a1.pos.x - a4.pos.x, a1.pos.y - a4.pos.y);
    expect(spanAfter).toBeGreaterThan(30);
    expect(spanAfter).toBeLessThan(70);
  });

  it('mid-course dead reckoning matches the simulated position at every step', () => {
    const d = new Driver(defWith([{ group: 'a', side: 'blue', cls: 'defiant', count: 1, at: { x: 100, y: 100 }, spread: 0 }]));
    d.order({ kind: 'move', group: 'a', to: { x: 700, y: 500 } });
    for (let i = 0; i < 60; i++) {
      d.run(200);
      const state = applyEvents(emptyWorld(), d.events);
      const client = positionAt(state.units['a-1'], d.world.t);
      const sim = posAt(getUnit(d.world, 'a-1')!, d.world.t);
      expect(client.x).toBeCloseTo(sim.x, 9);
      expect(client.y).toBeCloseTo(sim.y, 9);
    }
  });
});

describe('simulation: weapons', () => {
  it('fires only in range, and damage takes shields before hull', () => {
    const d = new Driver(
      defWith([
        { group: 'a', side: 'blue', cls: 'galor', count: 1, at: { x: 100, y: 100 }, spread: 0 },
        { group: 'b', side: 'red', cls: 'galor', count: 1, at: { x: 400, y: 100 }, spread: 0 },
      ]),
    );
    d.run(10_000);
    expect(d.ofType('unit:fire')).toHaveLength(0);
    d.order({ kind: 'move', group: 'b', to: { x: 170, y: 100 } });
    d.run(30_000);
    const fire = d.ofType('unit:fire');
    expect(fire.length).toBeGreaterThan(5);
    const maxShields = classStats('galor').shields;
    const maxHull = classStats('galor').hull;
    for (const f of fire.filter((e) => e.to === 'b-1')) {
      if (f.shields > 0) expect(f.hull).toBe(maxHull);
      expect(f.shields).toBeLessThanOrEqual(maxShields);
    }
    const hits = fire.filter((e) => e.hit);
    expect(hits.length).toBeGreaterThan(0);
    expect(fire.some((e) => !e.hit)).toBe(true);
  });

  it('hit chance falls with range', () => {
    const huge = { shields: 0, hull: 1e9 };
    const rate = (dist: number) => {
      const d = new Driver(
        defWith([
          {
            group: 'a',
            side: 'blue',
            cls: 'galor',
            count: 10,
            at: { x: 100, y: 300 },
            spread: 60,
            formation: 'line',
            heading: 0,
            stats: huge,
          },
          {
            group: 'b',
            side: 'red',
            cls: 'galor',
            count: 10,
            at: { x: 100 + dist, y: 300 },
            spread: 60,
            formation: 'line',
            heading: 0,
            stats: { ...huge, weapons: [] },
          },
        ]),
      );
      d.run(120_000);
      const shots = d.ofType('unit:fire').filter((e) => e.weapon === 'disruptor');
      return shots.filter((s) => s.hit).length / shots.length;
    };
    const close = rate(5);
    const far = rate(90);
    expect(close).toBeGreaterThan(0.6);
    expect(far).toBeLessThan(close - 0.15);
  });

  it('destroys units at zero hull, with an explosion, and counts the loss', () => {
    const d = new Driver(
      defWith([
        { group: 'a', side: 'blue', cls: 'galaxy', count: 3, at: { x: 100, y: 100 }, spread: 10 },
        {
          group: 'b',
          side: 'red',
          cls: 'bird-of-prey',
          count: 1,
          at: { x: 150, y: 100 },
          spread: 0,
          stats: { shields: 20, hull: 30, weapons: [] },
        },
      ]),
    );
    d.run(20_000);
    const status = d.ofType('unit:status').find((e) => e.id === 'b-1');
    expect(status?.status).toBe('destroyed');
    expect(d.ofType('effect').some((e) => e.kind === 'explosion' && e.t === status?.t)).toBe(true);
    expect(d.world.losses.red).toEqual({ ships: 1, stations: 0 });
    // No shots at a wreck.
    expect(d.ofType('unit:fire').filter((e) => e.to === 'b-1' && e.t > (status?.t ?? 0))).toHaveLength(0);
    expect(computeFacts(d.world).sides.red.ships).toBe(0);
  });

  it('focused fire on a station section collapses the station shields when the section fails', () => {
    const d = new Driver(
      defWith([
        {
          group: 'st',
          side: 'blue',
          cls: 'ds9-station',
          count: 1,
          ids: ['st'],
          at: { x: 300, y: 300 },
          spread: 0,
          stats: { weapons: [] },
          sections: [{ id: 's17', label: 'Section 17', maxShields: 200 }],
        },
        { group: 'b', side: 'red', cls: 'galor', count: 6, at: { x: 380, y: 300 }, spread: 15 },
      ]),
    );
    d.order({ kind: 'attack', group: 'b', target: 'st', section: 's17' });
    d.run(60_000);
    const fire = d.ofType('unit:fire').filter((e) => e.to === 'st' && e.hit);
    expect(fire[0].section?.id).toBe('s17');
    expect(fire[0].shields).toBe(classStats('ds9-station').shields);
    const broken = fire.find((e) => e.section?.shields === 0);
    expect(broken).toBeDefined();
    expect(broken?.shields).toBe(0);
    const after = fire.filter((e) => e.seq > (broken?.seq ?? 0));
    expect(after.length).toBeGreaterThan(0);
    expect(after.at(-1)!.hull).toBeLessThan(classStats('ds9-station').hull);
  });

  it('surrendered units neither fire nor draw fire', () => {
    const d = new Driver(
      defWith([
        { group: 'a', side: 'blue', cls: 'galor', count: 3, at: { x: 100, y: 100 }, spread: 10 },
        { group: 'b', side: 'red', cls: 'galor', count: 3, at: { x: 160, y: 100 }, spread: 10 },
      ]),
    );
    d.run(4_000);
    expect(d.ofType('unit:fire').length).toBeGreaterThan(0);
    d.order({ kind: 'surrender', side: 'red' });
    const t = d.world.t;
    d.run(20_000);
    expect(d.ofType('unit:status').filter((e) => e.status === 'surrendered')).toHaveLength(3);
    expect(d.ofType('unit:fire').filter((e) => e.t > t)).toHaveLength(0);
  });

  it('ceasefire stops all fire', () => {
    const d = new Driver(
      defWith([
        { group: 'a', side: 'blue', cls: 'galor', count: 2, at: { x: 100, y: 100 }, spread: 10 },
        { group: 'b', side: 'red', cls: 'galor', count: 2, at: { x: 160, y: 100 }, spread: 10 },
      ]),
    );
    d.order({ kind: 'ceasefire', active: true });
    d.run(20_000);
    expect(d.ofType('unit:fire')).toHaveLength(0);
    d.order({ kind: 'ceasefire', active: false });
    d.run(5_000);
    expect(d.ofType('unit:fire').length).toBeGreaterThan(0);
  });
});

describe('simulation: minefields', () => {
  const field = { id: 'mf', label: 'Mines', center: { x: 300, y: 300 }, radius: 50, workSeconds: 30, cloaked: true, side: 'blue' };

  function laying(underFire: boolean): number {
    const forces = [
      {
        group: 'layer',
        side: 'blue',
        cls: 'defiant',
        count: 1,
        at: { x: 300, y: 300 },
        spread: 0,
        stats: { hull: 1e6, shields: 0, weapons: [] },
      },
    ];
    if (underFire)
      forces.push({
        group: 'gunner',
        side: 'red',
        cls: 'galor',
        count: 2,
        at: { x: 360, y: 300 },
        spread: 5,
        stats: { hull: 1e6, shields: 0 } as never,
      });
    const d = new Driver(defWith(forces as never, [field]));
    d.order({ kind: 'layMines', group: 'layer', field: 'mf' });
    d.run(15_000);
    return d.world.fields[0].progress;
  }

  it('laying progresses, and much slower while the layer is under fire', () => {
    const calm = laying(false);
    const hot = laying(true);
    expect(calm).toBeGreaterThan(0.4);
    expect(hot).toBeLessThan(calm * 0.5);
  });

  it('announces progress in >= 2% steps and activation', () => {
    const d = new Driver(
      defWith(
        [{ group: 'layer', side: 'blue', cls: 'defiant', count: 2, at: { x: 300, y: 300 }, spread: 10 }],
        [{ ...field, workSeconds: 10 }],
      ),
    );
    d.order({ kind: 'layMines', group: 'layer', field: 'mf' });
    d.run(10_000);
    const ev = d.ofType('field');
    expect(ev.at(-1)?.field.active).toBe(true);
    expect(ev.at(-1)?.field.progress).toBe(1);
    for (let i = 1; i < ev.length - 1; i++) expect(ev[i].field.progress - ev[i - 1].field.progress).toBeGreaterThanOrEqual(0.0199);
    expect(ev.length).toBeLessThanOrEqual(52);
  });

  it('an active field strikes enemy units inside it and replicates the mines', () => {
    const d = new Driver(
      defWith(
        [
          { group: 'layer', side: 'blue', cls: 'defiant', count: 2, at: { x: 300, y: 300 }, spread: 10, stats: { weapons: [] } },
          { group: 'raid', side: 'red', cls: 'galor', count: 5, at: { x: 700, y: 300 }, spread: 20, stats: { weapons: [] } },
        ],
        [{ ...field, workSeconds: 4 }],
      ),
    );
    d.order({ kind: 'layMines', group: 'layer', field: 'mf' });
    d.run(5_000);
    expect(d.world.fields[0].active).toBe(true);
    d.order({ kind: 'move', group: 'raid', to: { x: 300, y: 300 } });
    d.run(40_000);
    const strikes = d.ofType('unit:fire').filter((e) => e.from === 'mf');
    expect(strikes.length).toBeGreaterThan(5);
    expect(strikes.every((e) => e.to.startsWith('raid-'))).toBe(true);
    expect(d.world.fields[0].replicated).toBe(strikes.length);
    expect(d.world.losses.red.ships).toBeGreaterThan(0);
    expect(d.ofType('field').at(-1)?.field.replicated).toBeGreaterThan(0);
  });
});

describe('simulation: orders', () => {
  it('decoys are spawned, draw fire without damage, and dissolve after their ttl', () => {
    const d = new Driver(
      defWith([
        { group: 'raider', side: 'blue', cls: 'terran-raider', count: 1, at: { x: 100, y: 300 }, spread: 0 },
        { group: 'hunters', side: 'red', cls: 'galor', count: 3, at: { x: 300, y: 300 }, spread: 10 },
      ]),
    );
    d.order({ kind: 'decoys', group: 'raider', decoyGroup: 'shadows', count: 4, to: { x: 300, y: 300 }, ttlMs: 15_000 });
    const spawns = d.ofType('unit:spawn').filter((e) => e.unit.kind === 'decoy');
    expect(spawns).toHaveLength(4);
    d.order({ kind: 'attack', group: 'hunters', target: 'shadows' });
    d.run(20_000);
    const atDecoys = d.ofType('unit:fire').filter((e) => e.to.startsWith('shadows-'));
    expect(atDecoys.length).toBeGreaterThan(0);
    expect(atDecoys.every((e) => e.hull === 1)).toBe(true);
    const gone = d.ofType('unit:status').filter((e) => e.id.startsWith('shadows-'));
    expect(gone).toHaveLength(4);
    expect(gone.every((e) => e.t === 15_000 && e.reason === 'dissipated')).toBe(true);
    expect(d.world.losses.blue.ships).toBe(0);
    // Decoys never shoot.
    expect(d.ofType('unit:fire').some((e) => e.from.startsWith('shadows-'))).toBe(false);
  });

  it('detach moves exactly N living units into a new group', () => {
    const d = new Driver(
      defWith([{ group: 'wing', side: 'red', cls: 'jemhadar-attack-ship', count: 10, at: { x: 300, y: 300 }, spread: 30 }]),
    );
    d.order({ kind: 'detach', from: 'wing', to: 'hunters', count: 3 });
    let f = computeFacts(d.world);
    expect(f.groups.hunters.alive).toBe(3);
    expect(f.groups.wing.alive).toBe(7);
    d.order({ kind: 'detach', from: 'wing', to: 'hunters', count: 50 });
    f = computeFacts(d.world);
    expect(f.groups.hunters.alive).toBe(10);
    expect(f.groups.wing.alive).toBe(0);
  });

  it('spawn brings a reserve in with a warp-in; retreat marks arrivals retreated; side switches', () => {
    const d = new Driver(
      defWith([
        { group: 'home', side: 'blue', cls: 'miranda', count: 1, at: { x: 100, y: 100 }, spread: 0 },
        { group: 'late', side: 'red', cls: 'vorcha', count: 3, at: { x: 800, y: 600 }, spread: 15, reserve: true },
      ]),
    );
    expect(computeFacts(d.world).groups.late.alive).toBe(0);
    d.order({ kind: 'spawn', group: 'late', at: { x: 700, y: 500 } });
    expect(d.ofType('effect').some((e) => e.kind === 'warp-in')).toBe(true);
    expect(d.ofType('unit:spawn').filter((e) => e.unit.group === 'late')).toHaveLength(3);
    expect(computeFacts(d.world).groups.late.alive).toBe(3);
    d.order({ kind: 'side', group: 'late', side: 'blue' });
    expect(d.ofType('unit:side')[0].ids).toHaveLength(3);
    d.order({ kind: 'retreat', group: 'late', to: { x: 990, y: 690 } });
    d.run(30_000);
    expect(d.ofType('unit:status').filter((e) => e.status === 'retreated')).toHaveLength(3);
    expect(computeFacts(d.world).sides.blue.ships).toBe(1);
  });

  it('unknown groups in orders fail loudly, naming the known groups', () => {
    const d = new Driver(defWith([{ group: 'home', side: 'blue', cls: 'miranda', count: 1, at: { x: 100, y: 100 }, spread: 0 }]));
    expect(() => d.order({ kind: 'move', group: 'nope', to: { x: 0, y: 0 } })).toThrow(/unknown group 'nope'.*home/);
    expect(() => defWith([{ group: 'x', side: 'blue', cls: 'enterprise-e', count: 1, at: { x: 0, y: 0 }, spread: 0 }])).not.toThrow();
    expect(() => new Driver(defWith([{ group: 'x', side: 'blue', cls: 'enterprise-e', count: 1, at: { x: 0, y: 0 }, spread: 0 }]))).toThrow(
      /Valid classes: .*defiant/,
    );
  });

  it('counters advance while their group lives', () => {
    const d = new Driver(defWith([{ group: 'crew', side: 'blue', cls: 'miranda', count: 1, at: { x: 100, y: 100 }, spread: 0 }]));
    d.order({ kind: 'progress', counter: 'refit', ratePerSec: 0.1, group: 'crew' });
    d.run(5_000);
    expect(computeFacts(d.world).counters.refit).toBeCloseTo(0.5, 6);
    d.order({ kind: 'status', group: 'crew', status: 'evacuated', reason: 'test' });
    d.run(5_000);
    expect(computeFacts(d.world).counters.refit).toBeCloseTo(0.5, 6);
  });
});

describe('simulation: determinism', () => {
  const forces = [
    { group: 'a', side: 'blue', cls: 'galaxy', count: 8, at: { x: 200, y: 300 }, spread: 40 },
    { group: 'b', side: 'red', cls: 'jemhadar-attack-ship', count: 20, at: { x: 700, y: 300 }, spread: 60, formation: 'scatter' as const },
  ];
  const runWith = (seed: number) => {
    const d = new Driver(defWith(forces), seed);
    d.order({ kind: 'attack', group: 'b', target: 'side:blue', range: 'close' });
    d.run(60_000);
    return JSON.stringify(d.events);
  };

  it('the same seed gives the same events; another seed gives others', () => {
    const a = runWith(1);
    expect(runWith(1)).toBe(a);
    expect(runWith(2)).not.toBe(a);
  });

  it('a world snapshot (JSON) resumes into the same future', () => {
    const d = new Driver(defWith(forces), 5);
    d.order({ kind: 'attack', group: 'b', target: 'side:blue', range: 'close' });
    d.run(20_000);
    const snap = JSON.stringify(d.world);
    const n = d.events.length;
    d.run(20_000);
    const tail = JSON.stringify(d.events.slice(n).map(({ seq: _s, ...rest }) => rest));
    const d2 = new Driver(defWith(forces), 5);
    Object.assign(d2.world, JSON.parse(snap));
    d2.events.length = 0;
    d2.run(20_000);
    expect(JSON.stringify(d2.events.map(({ seq: _s, ...rest }) => rest))).toBe(tail);
  });
});
