import { beforeAll, describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import { stateAt } from '../../shared/battle/seek.js';
import { isAlive, type WorldState } from '../../shared/battle/state.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { battle } from '../../replays/battle-of-cardassia/index.js';
import { FOUNDER_SURRENDER, LAKARIAN_CITY } from '../../replays/battle-of-cardassia/decisions.js';
import { ALLIANCE_GROUPS, CARDASSIAN_GROUPS, COMMS_GROUPS, REBEL_GROUPS } from '../../replays/battle-of-cardassia/scenario.js';
import { formatCount } from '../../shared/battle/forces.js';
import { getBattle } from '../../replays/index.js';
import { compileBattle, resumeFromCheckpoint, type CompiledBranch } from '../../replays/engine/compiler.js';
import { historyOf } from '../support/histories.js';

// Fidelity of the Battle of Cardassia to its seed (001_20da251821cb360a.txt): the canonical compile
// retells the history (withdrawal, massing, rebels cut communications, Lakarian City, the switch,
// encirclement, surrender) and the Founder fighting on instead gives a different, simulated outcome.

const HISTORY_PHASES = [
  'stretched-thin',
  'withdrawal',
  'massing',
  'advance',
  'communications',
  'lakarian-city',
  'cardassians-switch',
  'extermination',
  'encirclement',
  'surrender',
];

const FIGHT = [{ decisionId: FOUNDER_SURRENDER, optionId: 'fight' }];
const LONG = 900_000;

let history: CompiledBranch;
let H: Timeline;
let F: Timeline;
let spareMemo: Timeline | null = null;
/** Lakarian City spared, resumed from history once and shared by the tests that read it. */
const spared = (): Timeline =>
  (spareMemo ??= timed('spare Lakarian City (resumed)', () =>
    resumeFromCheckpoint(battle, history, LAKARIAN_CITY, { decisionId: LAKARIAN_CITY, optionId: 'spare' }, [
      { decisionId: LAKARIAN_CITY, optionId: 'spare' },
    ]),
  ).timeline);

function timed<T>(label: string, fn: () => T): T {
  const t0 = performance.now();
  const v = fn();
  const ms = performance.now() - t0;
  const events = (v as { timeline?: Timeline }).timeline?.events.length;
  console.log(`[battle-of-cardassia] ${label}: compiled in ${ms.toFixed(0)} ms${events !== undefined ? `, ${events} events` : ''}`);
  return v;
}

function endState(tl: Timeline): WorldState {
  return stateAt(tl.events, tl.keyframes, tl.durationMs);
}

const inGroups = (groups: readonly string[]) => (id: string) => groups.some((g) => id.startsWith(`${g}-`));
const isComms = inGroups(COMMS_GROUPS);
const isCardassianFleet = inGroups(CARDASSIAN_GROUPS);

/** Playback times of the named moments of the history, -1 when they never happen. */
function moments(tl: Timeline) {
  const ev = tl.events;
  const commsDown = ev.filter(
    (e): e is Extract<BattleEvent, { type: 'unit:status' }> => e.type === 'unit:status' && e.status === 'destroyed' && isComms(e.id),
  );
  const commsTotal = COMMS_GROUPS.length * 2;
  return {
    commsCut: commsDown.length === commsTotal ? commsDown[commsDown.length - 1].t : -1,
    lakarianStrike: ev.find((e) => e.type === 'effect' && e.kind === 'strike' && e.label === 'Lakarian City')?.t ?? -1,
    cardassiansSwitch: ev.find((e) => e.type === 'unit:side' && e.side === 'alliance' && e.ids.some(isCardassianFleet))?.t ?? -1,
    surrender: ev.find((e) => e.type === 'unit:status' && e.status === 'surrendered')?.t ?? -1,
    end: ev.find((e) => e.type === 'battle:end')?.t ?? -1,
  };
}

/** Invasion-fleet ships (Federation, Klingon, Romulan groups) destroyed on a branch. */
function fleetLosses(tl: Timeline): number {
  const fleet = inGroups(ALLIANCE_GROUPS);
  return tl.events.filter((e) => e.type === 'unit:status' && e.status === 'destroyed' && fleet(e.id)).length;
}

beforeAll(() => {
  // The history is the shared one (tests/support/histories.ts); determinism tests compile it for real.
  history = timed('history', () => historyOf(battle));
  H = history.timeline;
  // At ~22,000 units every compile counts (issue #14): the fight is resumed from history's checkpoint, which
  // tests/engine/fork.test.ts and determinism.test.ts show equal to a compile from zero.
  F = timed('fight to the end (resumed)', () => resumeFromCheckpoint(battle, history, FOUNDER_SURRENDER, FIGHT[0], FIGHT)).timeline;
}, LONG);

describe('Battle of Cardassia: history', () => {
  it('is registered and tells at least six phases in the seed order', () => {
    expect(getBattle('battle-of-cardassia')).toBe(battle);
    expect(H.phases.map((p) => p.id)).toEqual(HISTORY_PHASES);
    for (const p of H.phases) {
      expect(p.endMs).toBeGreaterThan(p.startMs);
      expect(p.label).toMatch(/2375/);
    }
    // 4-15 minutes of playback at 1x.
    expect(H.durationMs).toBeGreaterThanOrEqual(4 * 60_000);
    expect(H.durationMs).toBeLessThanOrEqual(15 * 60_000);
    console.log(`[battle-of-cardassia] history: ${(H.durationMs / 60_000).toFixed(1)} min, ${H.events.length} events`);
  });

  it('has three decision points, each with exactly one historical option, all taken historically', () => {
    expect(battle.decisions.length).toBeGreaterThanOrEqual(3);
    for (const d of battle.decisions) expect(d.options.filter((o) => o.historical)).toHaveLength(1);
    expect(battle.decisions.some((d) => d.options.some((o) => o.param))).toBe(true);
    for (const dp of H.decisionPoints) {
      expect(dp.atMs).not.toBeNull();
      const hist = dp.options.find((o) => o.historical);
      expect(dp.chosen?.optionId).toBe(hist?.id);
    }
    const made = H.events.filter((e) => e.type === 'decision:made');
    expect(made).toHaveLength(battle.decisions.length);
    expect(made.every((e) => e.type === 'decision:made' && e.historical)).toBe(true);
  });

  it('issue #14: fields the seed\'s scale, "many thousands" of Alliance ships against "perhaps tens of thousands"', () => {
    const spawns = H.events.filter((e): e is Extract<BattleEvent, { type: 'unit:spawn' }> => e.type === 'unit:spawn');
    const atStart = spawns.filter((e) => e.t === 0).length;
    const { alliance, dominion } = H.forces;
    // Everyone who takes part counts, late arrivals included, each once, on the side it came in on.
    expect(alliance.ships + alliance.stations + dominion.ships + dominion.stations).toBe(spawns.length);
    expect(alliance.atStart.ships + alliance.atStart.stations + dominion.atStart.ships + dominion.atStart.stations).toBe(atStart);
    expect(alliance.ships).toBeGreaterThanOrEqual(5000);
    expect(dominion.ships).toBeGreaterThanOrEqual(15_000);
    expect(dominion.stations).toBeGreaterThanOrEqual(200);
    // The Klingon and Romulan fleets and the rebels arrive later: only the Federation is there at the start.
    expect(alliance.atStart.ships).toBeLessThan(alliance.ships / 2);
    // The Cardassian fleets that switch sides are a visible share of the defence.
    expect(alliance.joined.ships).toBe(dominion.defected.ships);
    expect(alliance.joined.ships).toBeGreaterThanOrEqual(0.1 * dominion.ships);
    // The lobby's summary quotes these numbers.
    for (const n of [alliance.ships, dominion.ships, dominion.stations, alliance.joined.ships]) {
      expect(battle.info.summary).toContain(formatCount(n));
    }
    expect(battle.info.summary).toMatch(/40%/);
    console.log(`[battle-of-cardassia] units: ${atStart} at start, ${spawns.length} in all; forces ${JSON.stringify(H.forces)}`);
  });

  it("issue #14: the fleets arrive in the seed's order: Federation at Deep Space 9, then Klingon and Romulan, then the rebels", () => {
    const arrival = (prefix: string) => {
      const ts = H.events.filter((e) => e.type === 'unit:spawn' && e.unit.group.startsWith(prefix)).map((e) => e.t);
      return { first: Math.min(...ts), last: Math.max(...ts), n: ts.length };
    };
    const phase = (id: string) => H.phases.find((p) => p.id === id);
    const fed = arrival('fed-');
    const kl = arrival('kl-');
    const rom = arrival('rom-');
    const rebels = arrival('rebel-');
    expect(fed).toMatchObject({ first: 0, last: 0 });
    expect(fed.n).toBeGreaterThanOrEqual(2500);
    expect(kl.n).toBeGreaterThanOrEqual(1500);
    expect(rom.n).toBeGreaterThanOrEqual(1000);
    expect(rebels.n).toBe(REBEL_GROUPS.length * 5);
    const massing = phase('massing');
    for (const a of [kl, rom]) {
      expect(a.first).toBeGreaterThanOrEqual(massing?.startMs ?? Infinity);
      expect(a.last).toBeLessThan(phase('advance')?.startMs ?? -1);
    }
    expect(rebels.first).toBeGreaterThanOrEqual(phase('communications')?.startMs ?? Infinity);
  });

  it('issue #14: fleets re-form when they move on, so at the surrender each Alliance group is one compact formation', () => {
    const m = moments(H);
    const world = stateAt(H.events, H.keyframes, m.surrender);
    for (const g of ALLIANCE_GROUPS) {
      const spec = battle.forces.find((f) => f.group === g);
      const units = Object.values(world.units).filter((u) => u.group === g && isAlive(u));
      const cx = units.reduce((n, u) => n + u.pos.x, 0) / units.length;
      const cy = units.reduce((n, u) => n + u.pos.y, 0) / units.length;
      const d = units.map((u) => Math.hypot(u.pos.x - cx, u.pos.y - cy)).sort((a, b) => a - b);
      // A grid's corners sit spread·√2 out; a scattered melee reaches well beyond that.
      expect(d[Math.floor(0.95 * (d.length - 1))], g).toBeLessThanOrEqual(1.5 * (spec?.spread ?? 0));
    }
  });

  it('plays the named moments in the seed order: communications cut, Lakarian City, the switch, the surrender', () => {
    const m = moments(H);
    expect(m.commsCut).toBeGreaterThan(0);
    expect(m.lakarianStrike).toBeGreaterThanOrEqual(m.commsCut);
    expect(m.cardassiansSwitch).toBeGreaterThan(m.lakarianStrike);
    expect(m.surrender).toBeGreaterThan(m.cardassiansSwitch);
    expect(m.end).toBeGreaterThanOrEqual(m.surrender);
    // The moments fall in the phases that tell them.
    const within = (t: number, id: string) => {
      const p = H.phases.find((x) => x.id === id);
      return p !== undefined && p.startMs <= t && t <= p.endMs;
    };
    expect(within(m.commsCut, 'communications')).toBe(true);
    expect(within(m.lakarianStrike, 'lakarian-city')).toBe(true);
    expect(within(m.cardassiansSwitch, 'cardassians-switch')).toBe(true);
    expect(within(m.surrender, 'surrender')).toBe(true);
  });

  it('ends the war in a decisive Alliance victory by surrender, before the battle is joined', () => {
    expect(H.outcome.winner).toBe('alliance');
    expect(H.outcome.summary).toMatch(/surrender/i);
    expect(H.outcome.summary).toMatch(/war was over/i);
    expect(H.outcome.summary).toMatch(/over 40%/);
    expect(H.outcome.facts.some((f) => /surrender/i.test(f))).toBe(true);
    const end = endState(H);
    expect(end.ended?.winner).toBe('alliance');
    // Every Dominion unit left is surrendered, and there is still a large defence fleet to surrender.
    const dominion = Object.values(end.units).filter((u) => u.side === 'dominion' && isAlive(u));
    expect(dominion.length).toBeGreaterThan(1800);
    expect(dominion.every((u) => u.status === 'surrendered')).toBe(true);
    // The invasion fleet is largely intact: far below the projected 40% losses.
    const fleetTotal = H.events.filter((e) => e.type === 'unit:spawn' && inGroups(ALLIANCE_GROUPS)(e.unit.id)).length;
    expect(fleetLosses(H) / fleetTotal).toBeLessThan(0.25);
  });

  it(
    'reproduces the history for other seeds',
    () => {
      // One other seed: each full compile of the battle costs tens of seconds at this scale.
      for (const seed of [42]) {
        const tl = timed(`history seed ${seed}`, () => compileBattle(battle, { seed })).timeline;
        const m = moments(tl);
        expect(tl.phases.map((p) => p.id)).toEqual(HISTORY_PHASES);
        expect(m.commsCut).toBeGreaterThan(0);
        expect(m.commsCut).toBeLessThanOrEqual(m.lakarianStrike);
        expect(m.lakarianStrike).toBeLessThan(m.cardassiansSwitch);
        expect(m.cardassiansSwitch).toBeLessThan(m.surrender);
        expect(tl.outcome.winner).toBe('alliance');
      }
    },
    LONG,
  );
});

describe('Battle of Cardassia: what if', () => {
  it('shares every event before the surrender decision with history', () => {
    const dp = H.decisionPoints.find((d) => d.id === FOUNDER_SURRENDER);
    const seq = dp?.seq ?? -1;
    expect(seq).toBeGreaterThan(1000);
    expect(F.decisionPoints.find((d) => d.id === FOUNDER_SURRENDER)?.seq).toBe(seq);
    // Up to and including the decision:point event, the two compiles are the same stream.
    expect(JSON.stringify(F.events.slice(0, seq + 1))).toBe(JSON.stringify(H.events.slice(0, seq + 1)));
    expect(F.events[seq + 1]).toMatchObject({ type: 'decision:made', optionId: 'fight', historical: false });
  });

  it('fighting to the end is a simulated battle with heavy losses on both sides, not a surrender', () => {
    expect(F.phases.map((p) => p.id)).toEqual([...HISTORY_PHASES.slice(0, -1), 'final-battle']);
    expect(F.events.some((e) => e.type === 'unit:status' && e.status === 'surrendered')).toBe(false);
    expect(F.outcome.summary).not.toMatch(/surrendered/i);
    expect(F.outcome.summary).toMatch(/over 40%/);
    // Far bloodier than history for both sides.
    const fleetTotal = F.events.filter((e) => e.type === 'unit:spawn' && inGroups(ALLIANCE_GROUPS)(e.unit.id)).length;
    const fightFleetLoss = fleetLosses(F) / fleetTotal;
    expect(fleetLosses(F)).toBeGreaterThan(3 * fleetLosses(H));
    expect(fightFleetLoss).toBeGreaterThan(0.25);
    expect(F.outcome.losses.dominion.ships).toBeGreaterThan(H.outcome.losses.dominion.ships * 1.3);
    expect(F.outcome.losses.dominion.stations).toBeGreaterThan(H.outcome.losses.dominion.stations);
    // The summary quotes the simulated losses, whatever they were (measured at the end command,
    // a few seconds before the timeline stops).
    const quoted = Number(/\((\d+)%\)/.exec(F.outcome.summary)?.[1] ?? NaN);
    expect(Math.abs(quoted - 100 * fightFleetLoss)).toBeLessThanOrEqual(5);
    console.log(
      `[battle-of-cardassia] fight: winner ${F.outcome.winner}, invasion fleet lost ${(100 * fightFleetLoss).toFixed(0)}%; ${F.outcome.summary}`,
    );
  });

  it(
    'sparing Lakarian City keeps the Cardassian fleets on the Dominion side',
    () => {
      const S = spared();
      expect(S.phases.map((p) => p.id)).toContain('cardassians-loyal');
      expect(S.phases.map((p) => p.id)).not.toContain('cardassians-switch');
      expect(S.events.some((e) => e.type === 'unit:side')).toBe(false);
      expect(S.events.some((e) => e.type === 'effect' && e.label === 'Lakarian City')).toBe(false);
      const end = endState(S);
      const cardassians = Object.values(end.units).filter((u) => isCardassianFleet(u.id) && isAlive(u));
      expect(cardassians.length).toBeGreaterThan(1200);
      expect(cardassians.every((u) => u.side === 'dominion')).toBe(true);
    },
    LONG,
  );

  it(
    'issue #15: the defection greatly aids the Alliance, and the defence still outnumbers it at the surrender',
    () => {
      const S = spared();
      const end = endState(H);
      const living = (side: string) => Object.values(end.units).filter((u) => u.side === side && isAlive(u) && u.kind !== 'decoy').length;
      // The turncoats, with the Klingon and Romulan columns beside them, live to see the surrender...
      const turncoats = Object.values(end.units).filter((u) => isCardassianFleet(u.id) && isAlive(u));
      expect(turncoats.length).toBeGreaterThan(600);
      expect(turncoats.every((u) => u.side === 'alliance')).toBe(true);
      // ...and the Dominion loses far more than it would have with the city spared.
      expect(H.outcome.losses.dominion.ships).toBeGreaterThan(S.outcome.losses.dominion.ships + 1800);
      // "Before the battle could be joined": the invasion fleet is nearly intact at the surrender...
      const fleetTotal = H.events.filter((e) => e.type === 'unit:spawn' && inGroups(ALLIANCE_GROUPS)(e.unit.id)).length;
      expect(fleetLosses(H) / fleetTotal).toBeLessThan(0.1);
      // ...facing a "much larger" defence that still outnumbers everything on the Alliance side.
      expect(living('dominion')).toBeGreaterThan(living('alliance'));
      // The fight it avoided costs the Alliance more than the projected 40%.
      expect(fleetLosses(F) / fleetTotal).toBeGreaterThan(0.4);
    },
    LONG,
  );

  it('issue #15: Broca stays on the Dominion side, Damar leads the uprising on the ground', () => {
    const commanders = battle.forces.filter((f) => f.commander).map((f) => `${f.group}: ${f.commander}`);
    expect(commanders.some((c) => /Broca|Damar/.test(c))).toBe(false);
    expect(battle.info.sides.find((x) => x.id === 'dominion')?.commanders.join(' ')).toMatch(/Broca/);
    expect(battle.info.sides.find((x) => x.id === 'alliance')?.commanders.join(' ')).toMatch(/Damar/);
  });
});
