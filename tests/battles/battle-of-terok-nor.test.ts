import { describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import { applyEvents } from '../../shared/battle/reducer.js';
import { emptyWorld, type WorldState } from '../../shared/battle/state.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { battle } from '../../replays/battle-of-terok-nor/index.js';
import { D, O } from '../../replays/battle-of-terok-nor/decisions.js';
import { BOP_IDS, GALOR_IDS, U } from '../../replays/battle-of-terok-nor/scenario.js';
import { getBattle } from '../../replays/index.js';
import { compileBattle, resumeFromCheckpoint } from '../../replays/engine/compiler.js';
import { CALL_FOR_HELP_SHIELDS, T } from '../../replays/battle-of-terok-nor/machine.js';
import { stateAt } from '../../shared/battle/seek.js';

// Fidelity of the Battle of Terok Nor to its seed (002_9e990cbe2c332bc1.txt): the canonical compile
// must retell the history, and changed decisions must change the simulated outcome.

const HISTORY_PHASES = [
  'refit',
  'regent-speeds-up',
  'warp-shadows',
  'lure',
  'fleet-returns',
  'fleet-arrives',
  'defiant-launches',
  'hunt',
  'strafe-galors',
  'flagship-engages',
  'pattern-suicide',
  'bop-behind',
  'raider-strikes',
  'hull-breaches',
  'withdrawal',
];

const history = compileBattle(battle);
const H = history.timeline;

function finalState(tl: Timeline): WorldState {
  return applyEvents(emptyWorld(), tl.events);
}

interface Kill {
  id: string;
  by: string | undefined;
  t: number;
}

/** Destroyed units (decoys excluded) with the unit that landed the last hit. */
function kills(tl: Timeline): Kill[] {
  const lastHit = new Map<string, string>();
  const out: Kill[] = [];
  for (const e of tl.events) {
    if (e.type === 'unit:fire' && e.hit) lastHit.set(e.to, e.from);
    if (e.type === 'unit:status' && e.status === 'destroyed' && !e.id.startsWith('warp-shadows')) {
      out.push({ id: e.id, by: lastHit.get(e.id), t: e.t });
    }
  }
  return out;
}

function phaseSpan(tl: Timeline, id: string) {
  const p = tl.phases.find((x) => x.id === id);
  if (!p) throw new Error(`phase ${id} not in timeline (${tl.phases.map((x) => x.id).join(', ')})`);
  return p;
}

function firstEvent<T extends BattleEvent['type']>(tl: Timeline, type: T, pred: (e: Extract<BattleEvent, { type: T }>) => boolean) {
  return tl.events.find((e): e is Extract<BattleEvent, { type: T }> => e.type === type && pred(e as Extract<BattleEvent, { type: T }>));
}

function hullFraction(state: WorldState, id: string): number {
  const u = state.units[id];
  return u.hull / u.maxHull;
}

/** The Bird-of-Prey that answered the flagship's call: the one the raider killed in 'raider-strikes'. */
function hunterKill(tl: Timeline): Kill | undefined {
  const span = phaseSpan(tl, 'raider-strikes');
  return kills(tl).find(
    (k) => BOP_IDS.includes(k.id) && k.t >= span.startMs && k.t <= span.endMs && k.t === phaseSpan(tl, 'hull-breaches').startMs,
  );
}

describe('Battle of Terok Nor: definition', () => {
  it('is registered with its seed, year and place', () => {
    expect(getBattle('battle-of-terok-nor')).toBe(battle);
    expect(battle.info.seedFile).toBe('002_9e990cbe2c332bc1.txt');
    expect(battle.info.year).toBe('2372');
    expect(battle.info.location).toContain('Terok Nor');
    expect(battle.info.sides.map((s) => s.id).sort()).toEqual(['alliance', 'rebellion']);
    expect(battle.maxDurationMs).toBeLessThanOrEqual(15 * 60_000);
  });

  it('fields the forces of the seed: station, Defiant, raider vs flagship, 2-4 Galors, several Birds-of-Prey', () => {
    const count = (side: string, cls: string) =>
      battle.forces.filter((f) => f.side === side && f.cls === cls).reduce((n, f) => n + f.count, 0);
    expect(count('rebellion', 'nor-station')).toBe(1);
    expect(count('rebellion', 'defiant')).toBe(1);
    expect(count('rebellion', 'terran-raider')).toBe(1);
    expect(count('alliance', 'negh-var')).toBe(1);
    expect(count('alliance', 'galor')).toBeGreaterThanOrEqual(2);
    expect(count('alliance', 'galor')).toBeLessThanOrEqual(4);
    expect(count('alliance', 'bird-of-prey')).toBeGreaterThanOrEqual(4);
    // Every unit that takes the field in history, per side (decoys excluded).
    const spawned = H.events.filter(
      (e): e is Extract<BattleEvent, { type: 'unit:spawn' }> => e.type === 'unit:spawn' && e.unit.kind !== 'decoy',
    );
    const bySide = (side: string, kind: string) => spawned.filter((e) => e.unit.side === side && e.unit.kind === kind).length;
    expect(bySide('rebellion', 'station')).toBe(1);
    expect(bySide('rebellion', 'ship')).toBe(2);
    expect(bySide('alliance', 'ship')).toBe(1 + GALOR_IDS.length + BOP_IDS.length);
  });

  it('has at least 3 decisions, each with exactly one historical option and an alternative', () => {
    expect(battle.decisions.length).toBeGreaterThanOrEqual(3);
    for (const d of battle.decisions) {
      expect(d.options.filter((o) => o.historical)).toHaveLength(1);
      expect(d.options.length).toBeGreaterThanOrEqual(2);
    }
    const shadows = battle.decisions.find((d) => d.id === D.decoys)?.options.find((o) => o.id === O.shadows);
    expect(shadows?.historical).toBe(true);
    expect(shadows?.param).toMatchObject({ min: 0, max: 12, default: 6 });
  });
});

describe('Battle of Terok Nor: the canonical (historical) compile', () => {
  it('runs its phases in the order of the seed, with in-universe labels, in 4-15 minutes', () => {
    expect(H.phases.map((p) => p.id)).toEqual(HISTORY_PHASES);
    for (const p of H.phases) {
      expect(p.endMs).toBeGreaterThan(p.startMs);
      expect(p.label.length).toBeGreaterThan(0);
      expect(p.caption.length).toBeGreaterThan(20);
    }
    expect(H.durationMs).toBeGreaterThanOrEqual(4 * 60_000);
    expect(H.durationMs).toBeLessThanOrEqual(15 * 60_000);
    console.log(`[terok-nor] history: ${(H.durationMs / 60_000).toFixed(2)} min, ${H.events.length} events`);
  });

  it('reaches every decision point and takes the historical option there', () => {
    expect(H.decisionPoints.map((d) => d.id)).toEqual([D.decoys, D.tactic, D.raider, D.regent]);
    for (const dp of H.decisionPoints) {
      expect(dp.atMs).not.toBeNull();
      const hist = dp.options.find((o) => o.historical);
      expect(dp.chosen?.optionId).toBe(hist?.id);
    }
    const made = H.events.filter((e) => e.type === 'decision:made');
    expect(made).toHaveLength(4);
    expect(made.every((e) => e.type === 'decision:made' && e.historical)).toBe(true);
  });

  it('tells the named moments in order: shadows, station fire, first kill, raider rescue, withdrawal', () => {
    const shadows = firstEvent(H, 'unit:spawn', (e) => e.unit.kind === 'decoy');
    const stationFires = firstEvent(H, 'unit:fire', (e) => e.from === U.station);
    const launch = firstEvent(H, 'unit:status', (e) => e.id === U.defiant && e.status === 'active');
    const bopKills = kills(H).filter((k) => BOP_IDS.includes(k.id));
    const hunter = hunterKill(H);
    const retreat = firstEvent(H, 'unit:status', (e) => e.id === U.flagship && e.status === 'retreated');
    expect(shadows && stationFires && launch && hunter && retreat).toBeTruthy();
    if (!shadows || !stationFires || !launch || !hunter || !retreat) return;
    // The fleet is drawn away by Bashir's shadows before it reaches the station.
    expect(shadows.t).toBeLessThan(phaseSpan(H, 'fleet-arrives').startMs);
    // The station opens fire, then the Defiant casts off: it was "nearly ready" when the fleet came.
    expect(stationFires.t).toBeLessThanOrEqual(launch.t);
    expect(launch.t - stationFires.t).toBeLessThan(20_000);
    // The first Bird-of-Prey to die falls to the Defiant, soon after launch.
    expect(bopKills[0].by).toBe(U.defiant);
    expect(bopKills[0].t - launch.t).toBeLessThan(30_000);
    // The Bird-of-Prey behind the Defiant is destroyed by Bashir's raider.
    expect(hunter.by).toBe(U.raider);
    expect(hunter.t).toBeGreaterThan(bopKills[0].t);
    // Then the Regent withdraws.
    expect(retreat.t).toBeGreaterThan(hunter.t);
    expect(phaseSpan(H, 'withdrawal').startMs).toBeLessThan(retreat.t);
  });

  it('ends as the seed does: the rebels hold, 3+ Birds-of-Prey lost, the flagship badly hurt and withdrawn', () => {
    const end = finalState(H);
    expect(H.outcome.winner).toBe('rebellion');
    expect(end.ended?.winner).toBe('rebellion');
    const bopsLost = BOP_IDS.filter((id) => end.units[id]?.status === 'destroyed').length;
    expect(bopsLost).toBeGreaterThanOrEqual(3);
    expect(end.units[U.flagship].status).toBe('retreated');
    expect(hullFraction(end, U.flagship)).toBeLessThan(0.5);
    expect(end.units[U.defiant].status).not.toBe('destroyed');
    expect(end.units[U.station].status).not.toBe('destroyed');
    expect(end.units[U.raider].status).not.toBe('destroyed');
    expect(H.outcome.losses.rebellion).toEqual({ ships: 0, stations: 0 });
    expect(H.outcome.summary).toMatch(/withdrew/);
  });

  it('reproduces the history under other RNG seeds too', () => {
    for (const seed of [1, 2, 3]) {
      const tl = compileBattle(battle, { seed }).timeline;
      const end = finalState(tl);
      expect(
        tl.phases.map((p) => p.id),
        `seed ${seed}`,
      ).toEqual(HISTORY_PHASES);
      expect(tl.outcome.winner, `seed ${seed}`).toBe('rebellion');
      expect(end.units[U.defiant].status, `seed ${seed}`).not.toBe('destroyed');
      expect(end.units[U.flagship].status, `seed ${seed}`).toBe('retreated');
      expect(BOP_IDS.filter((id) => end.units[id]?.status === 'destroyed').length, `seed ${seed}`).toBeGreaterThanOrEqual(3);
      expect(hunterKill(tl)?.by, `seed ${seed}`).toBe(U.raider);
    }
  });
});

describe('Battle of Terok Nor: who destroys whom (issue #15)', () => {
  it('the Defiant hunts down "several" of the smaller ships and some remain; the station only holds off the larger craft', () => {
    const k = kills(H);
    const bops = k.filter((x) => BOP_IDS.includes(x.id));
    // "several" destroyed, and "one of the few remaining" answers the flagship's call: some remain.
    expect(bops.length).toBeGreaterThanOrEqual(3);
    expect(bops.length).toBeLessThanOrEqual(6);
    // The Defiant (and the raider, on the hunter) do the hunting, not the station.
    expect(bops.filter((x) => x.by === U.defiant || x.by === U.raider).length).toBeGreaterThanOrEqual(Math.ceil(bops.length * 0.75));
    expect(bops.filter((x) => x.by === U.station).length).toBeLessThanOrEqual(1);
    // The station's batteries hold the Galors off: at most one is destroyed.
    expect(k.filter((x) => GALOR_IDS.includes(x.id)).length).toBeLessThanOrEqual(1);
  });

  it("the flagship calls for help when the Defiant's simulated shields fall, not on a timer", () => {
    const duel = phaseSpan(H, 'pattern-suicide');
    const call = phaseSpan(H, 'bop-behind');
    expect(call.startMs - duel.startMs).toBeLessThan(T.circle);
    const s = stateAt(H.events, H.keyframes, call.startMs);
    const d = s.units[U.defiant];
    expect(d.shields / d.maxShields).toBeLessThan(CALL_FOR_HELP_SHIELDS);
  });
});

describe('Battle of Terok Nor: what-if branches', () => {
  it('without the decoy run the fleet arrives early, the Defiant launches late, and the rebels lose', () => {
    const choice = { decisionId: D.decoys, optionId: O.noDecoy };
    const branch = resumeFromCheckpoint(battle, history, D.decoys, choice, [choice]);
    const tl = branch.timeline;
    // Events before the fork are the history's own.
    expect(tl.fork?.decisionId).toBe(D.decoys);
    const forkSeq = tl.fork?.seq ?? -1;
    expect(forkSeq).toBeGreaterThan(0);
    expect(tl.events.slice(0, forkSeq + 1)).toEqual(H.events.slice(0, forkSeq + 1));
    expect(tl.events[forkSeq + 1]).toMatchObject({ type: 'decision:made', optionId: O.noDecoy, historical: false });
    // Resuming from the checkpoint gives exactly what compiling the branch from zero gives.
    expect(compileBattle(battle, { decisions: [choice] }).timeline.eventsSha256).toBe(tl.eventsSha256);

    expect(tl.phases.map((p) => p.id)).not.toContain('lure');
    expect(tl.events.some((e) => e.type === 'unit:spawn' && e.unit.kind === 'decoy')).toBe(false);
    // Simulated consequence: the fleet reaches a station whose Defiant is still in refit.
    const arrive = phaseSpan(tl, 'fleet-arrives').startMs;
    expect(arrive).toBeLessThan(phaseSpan(H, 'fleet-arrives').startMs - 20_000);
    expect(phaseSpan(tl, 'defiant-launches').startMs - arrive).toBeGreaterThan(
      phaseSpan(H, 'defiant-launches').startMs - phaseSpan(H, 'fleet-arrives').startMs + 20_000,
    );
    const end = finalState(tl);
    expect(end.units[U.raider].status).toBe('destroyed');
    expect(tl.outcome.winner).not.toBe('rebellion');
    expect(tl.outcome.losses.rebellion.ships).toBeGreaterThan(0);
  });

  it('more warp shadows hold the fleet off longer', () => {
    const arrival = (value: number) =>
      phaseSpan(compileBattle(battle, { decisions: [{ decisionId: D.decoys, optionId: O.shadows, value }] }).timeline, 'fleet-arrives')
        .startMs;
    const few = arrival(2);
    const many = arrival(12);
    expect(few).toBeLessThan(phaseSpan(H, 'fleet-arrives').startMs);
    expect(many).toBeGreaterThan(phaseSpan(H, 'fleet-arrives').startMs);
  });

  it("a standoff duel leaves the flagship's heavy guns the advantage: the Defiant is lost, the flagship barely hurt", () => {
    const choice = { decisionId: D.tactic, optionId: O.standoff };
    const tl = resumeFromCheckpoint(battle, history, D.tactic, choice, [choice]).timeline;
    const forkSeq = tl.fork?.seq ?? -1;
    expect(tl.events.slice(0, forkSeq + 1)).toEqual(H.events.slice(0, forkSeq + 1));
    expect(tl.phases.map((p) => p.id)).toContain('standoff-duel');
    expect(tl.phases.map((p) => p.id)).not.toContain('pattern-suicide');
    const end = finalState(tl);
    expect(end.units[U.defiant].status).toBe('destroyed');
    expect(hullFraction(end, U.flagship)).toBeGreaterThan(0.6);
    expect(end.units[U.flagship].status).not.toBe('retreated');
    expect(tl.outcome.winner).toBe('alliance');
  });

  it('if the raider stays out, the Defiant does not survive the Bird-of-Prey and the flagship', () => {
    const choice = { decisionId: D.raider, optionId: O.raiderHolds };
    const tl = resumeFromCheckpoint(battle, history, D.raider, choice, [choice]).timeline;
    const forkSeq = tl.fork?.seq ?? -1;
    expect(tl.events.slice(0, forkSeq + 1)).toEqual(H.events.slice(0, forkSeq + 1));
    expect(tl.phases.map((p) => p.id)).toContain('raider-stays-out');
    expect(finalState(tl).units[U.defiant].status).toBe('destroyed');
    expect(tl.outcome.winner).not.toBe('rebellion');
  });

  it('if the Regent fights on, the battle goes on past the point where he withdrew', () => {
    const choice = { decisionId: D.regent, optionId: O.fightOn };
    const tl = resumeFromCheckpoint(battle, history, D.regent, choice, [choice]).timeline;
    const forkSeq = tl.fork?.seq ?? -1;
    expect(tl.events.slice(0, forkSeq + 1)).toEqual(H.events.slice(0, forkSeq + 1));
    expect(tl.phases.map((p) => p.id)).toContain('fight-on');
    expect(tl.phases.map((p) => p.id)).not.toContain('withdrawal');
    const end = finalState(tl);
    expect(end.units[U.flagship].status).not.toBe('retreated');
    // More blood on both sides than history: the flagship ends worse off or the rebels lose ships.
    const worse = hullFraction(end, U.flagship) < hullFraction(finalState(H), U.flagship) || tl.outcome.losses.rebellion.ships > 0;
    expect(worse).toBe(true);
  });
});
