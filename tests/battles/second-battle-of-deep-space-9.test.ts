import { beforeAll, describe, expect, it } from 'vitest';
import type { BattleEvent } from '../../shared/battle/events.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { compileBattle, resumeFromCheckpoint, type CompiledBranch } from '../../replays/engine/compiler.js';
import { battle } from '../../replays/second-battle-of-deep-space-9/index.js';
import { getBattle } from '../../replays/index.js';

// Fidelity of the Second Battle of Deep Space 9 to seed 000_89db2f5ac4c69b1e.txt, and proof that
// its what-ifs come from the simulation: alternatives are asserted as differences from history.

const FIELD = 'wormhole-minefield';

function firstT(tl: Timeline, pred: (e: BattleEvent) => boolean): number | undefined {
  return tl.events.find(pred)?.t;
}
const fieldActiveAt = (tl: Timeline) => firstT(tl, (e) => e.type === 'field' && e.field.id === FIELD && e.field.active);
const phaseStart = (tl: Timeline, id: string) => tl.phases.find((p) => p.id === id)?.startMs;
const statusAt = (tl: Timeline, id: string, status: string) =>
  firstT(tl, (e) => e.type === 'unit:status' && e.id === id && e.status === status);
const spawned = (tl: Timeline, group: string) => tl.events.filter((e) => e.type === 'unit:spawn' && e.unit.group === group).length;
function lastFieldProgress(tl: Timeline): number {
  let p = 0;
  for (const e of tl.events) if (e.type === 'field' && e.field.id === FIELD) p = e.field.progress;
  return p;
}

let history: CompiledBranch;
let tl: Timeline;

beforeAll(() => {
  history = compileBattle(battle);
  tl = history.timeline;
});

describe('Second Battle of Deep Space 9: history', () => {
  it('is registered and names its seed', () => {
    expect(getBattle('second-battle-of-deep-space-9')).toBe(battle);
    expect(battle.info.seedFile).toBe('000_89db2f5ac4c69b1e.txt');
    expect(battle.info.year).toBe('2373');
  });

  it('plays the phases of the seed in order', () => {
    const ids = tl.phases.map((p) => p.id);
    expect(ids).toEqual([
      'mining',
      'ruse',
      'warning',
      'surrender',
      'split',
      'shields-hold',
      'bombardment',
      'sealed',
      'shields-fall',
      'evacuation',
      'occupation',
    ]);
    for (let i = 1; i < tl.phases.length; i++) expect(tl.phases[i].startMs).toBeGreaterThanOrEqual(tl.phases[i - 1].startMs);
    for (const p of tl.phases) {
      expect(p.label).toMatch(/2373/);
      expect(p.caption.length).toBeGreaterThan(40);
    }
  });

  it('has at least three decision points, each with exactly one historical option, all reached', () => {
    expect(battle.decisions.length).toBeGreaterThanOrEqual(3);
    for (const d of battle.decisions) {
      expect(d.options.filter((o) => o.historical)).toHaveLength(1);
      expect(d.options.length).toBeGreaterThanOrEqual(2);
    }
    const wings = battle.decisions.find((d) => d.id === 'dukat-wings');
    const param = wings?.options.find((o) => o.historical)?.param;
    expect(param?.default).toBe(5);
    expect(param?.min).toBeLessThanOrEqual(1);
    expect(param?.max).toBeGreaterThanOrEqual(20);
    for (const dp of tl.decisionPoints) expect(dp.atMs, dp.id).not.toBeNull();
    const made = tl.events.filter((e) => e.type === 'decision:made');
    expect(made.map((e) => e.type === 'decision:made' && e.historical)).toEqual(made.map(() => true));
  });

  it('opens with nearly 300 Dominion and Cardassian warships against one station and two ships', () => {
    expect(tl.forces.dominion.atStart.ships).toBeGreaterThanOrEqual(280);
    expect(tl.forces.dominion.atStart.ships).toBeLessThanOrEqual(300);
    expect(tl.forces.federation.atStart).toEqual({ ships: 2, stations: 1 });
    // forces counts everyone who takes part: the ships that arrive later too (issue #14).
    const spawned = (side: string) =>
      tl.events.filter((e) => e.type === 'unit:spawn' && e.unit.side === side && e.unit.kind !== 'decoy').length;
    expect(tl.forces.federation.ships + tl.forces.federation.stations).toBe(spawned('federation'));
    expect(tl.forces.dominion.ships + tl.forces.dominion.stations).toBe(spawned('dominion'));
  });

  it('seals the wormhole before the shields fall, then evacuates, then sabotages, then is boarded', () => {
    const field = fieldActiveAt(tl);
    const collapse = phaseStart(tl, 'shields-fall');
    const evac = phaseStart(tl, 'evacuation');
    const sabotage = statusAt(tl, 'ds9', 'disabled');
    const boarded = firstT(tl, (e) => e.type === 'unit:side' && e.ids.includes('ds9') && e.side === 'dominion');
    const end = firstT(tl, (e) => e.type === 'battle:end');
    const order = [field, collapse, evac, sabotage, boarded, end];
    for (const t of order) expect(t).toBeDefined();
    const ts = order as number[];
    for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
    // The ships leave before Kira runs the program.
    expect(statusAt(tl, 'defiant', 'retreated')).toBeLessThan(sabotage as number);
    expect(statusAt(tl, 'rotarran', 'retreated')).toBeLessThan(sabotage as number);
  });

  it('keeps the Gamma Quadrant convoy out and ends as the seed does', () => {
    expect(spawned(tl, 'gamma-convoy')).toBe(0);
    expect(firstT(tl, (e) => e.type === 'effect' && e.kind === 'wormhole-blocked')).toBeDefined();
    const o = tl.outcome;
    expect(o.winner).toBe('federation');
    expect(o.summary).toMatch(/tactical/);
    expect(o.summary).toMatch(/strategic/);
    expect(o.objectives['seal-wormhole'].status).toBe('complete');
    expect(o.objectives['take-ds9'].status).toBe('complete');
    expect(o.objectives.reinforce.status).toBe('failed');
    expect(o.losses.federation).toEqual({ ships: 0, stations: 0 });
    expect(o.losses.dominion.ships).toBeGreaterThan(0);
    expect(o.facts).toContain('Program Sisko 197 activated: the station is sabotaged');
    expect(o.facts).toContain('Dominion troops board the station unopposed');
    expect(o.facts).toContain('USS Defiant survives');
    expect(o.facts).toContain('IKS Rotarran survives');
    // The station survives as a hulk in Dominion hands.
    expect(statusAt(tl, 'ds9', 'destroyed')).toBeUndefined();
  });

  it('lasts 4 to 15 minutes of playback', () => {
    console.log(
      `[ds9] history: ${(tl.durationMs / 1000).toFixed(0)} s, ${tl.events.length} events, field active at ${((fieldActiveAt(tl) ?? 0) / 1000).toFixed(0)} s, shields fall at ${((phaseStart(tl, 'shields-fall') ?? 0) / 1000).toFixed(0)} s`,
    );
    expect(tl.durationMs).toBeGreaterThanOrEqual(4 * 60_000);
    expect(tl.durationMs).toBeLessThanOrEqual(15 * 60_000);
  });

  it('compiles identically twice (determinism)', () => {
    expect(compileBattle(battle).timeline.eventsSha256).toBe(tl.eventsSha256);
  });

  it('reproduces history under other dice, not just one lucky roll', () => {
    for (const seed of [7, 1234]) {
      const other = compileBattle(battle, { seed }).timeline;
      expect(other.eventsSha256).not.toBe(tl.eventsSha256);
      expect(other.outcome.winner, `seed ${seed}`).toBe('federation');
      expect(fieldActiveAt(other), `seed ${seed}`).toBeLessThan(phaseStart(other, 'shields-fall') as number);
      expect(spawned(other, 'gamma-convoy'), `seed ${seed}`).toBe(0);
      expect(other.outcome.losses.federation, `seed ${seed}`).toEqual({ ships: 0, stations: 0 });
      expect(statusAt(other, 'ds9', 'disabled'), `seed ${seed}`).toBeDefined();
    }
  });
});

describe('Second Battle of Deep Space 9: what-ifs', () => {
  it('twenty wings after the Defiant: laying stalls, the convoy comes through, the Dominion wins', () => {
    const alt = compileBattle(battle, { decisions: [{ decisionId: 'dukat-wings', optionId: 'wings', value: 20 }] }).timeline;
    // The simulation, not a script: the wings were detached and fired on the Defiant.
    const wingShots = alt.events.filter((e) => e.type === 'unit:fire' && e.to === 'defiant').length;
    const histShots = tl.events.filter((e) => e.type === 'unit:fire' && e.to === 'defiant').length;
    expect(wingShots).toBeGreaterThan(histShots);
    const altField = fieldActiveAt(alt);
    const histField = fieldActiveAt(tl) as number;
    // Either the field is never finished, or it is finished much later than in history.
    if (altField !== undefined) expect(altField).toBeGreaterThan(histField + 30_000);
    else expect(lastFieldProgress(alt)).toBeLessThan(1);
    expect(spawned(alt, 'gamma-convoy')).toBeGreaterThan(0);
    expect(alt.outcome.objectives.reinforce.status).toBe('complete');
    expect(alt.outcome.losses.federation.ships).toBeGreaterThan(tl.outcome.losses.federation.ships);
    expect(alt.outcome.winner).not.toBe(tl.outcome.winner);
  });

  it('a broad bombardment instead of section 17: the shields hold much longer', () => {
    const alt = compileBattle(battle, { decisions: [{ decisionId: 'dukat-target', optionId: 'broad' }] }).timeline;
    const hist = phaseStart(tl, 'shields-fall') as number;
    const later = phaseStart(alt, 'shields-fall');
    expect(later).toBeDefined();
    expect(later as number).toBeGreaterThan(hist + 30_000);
    // More time under the station's guns costs the Dominion more ships.
    expect(alt.outcome.losses.dominion.ships).toBeGreaterThan(tl.outcome.losses.dominion.ships);
  });

  it('no wings after the Defiant: nobody disturbs the laying, so the field is finished earlier', () => {
    const alt = compileBattle(battle, { decisions: [{ decisionId: 'dukat-wings', optionId: 'ignore' }] }).timeline;
    expect(alt.events.some((e) => e.type === 'unit:fire' && e.to === 'defiant')).toBe(false);
    expect(fieldActiveAt(alt) as number).toBeLessThan(fieldActiveAt(tl) as number);
    expect(alt.outcome.winner).toBe('federation');
  });

  it('station weapons kept off the wings: the Defiant is hit for longer than in history', () => {
    const alt = compileBattle(battle, { decisions: [{ decisionId: 'station-cover', optionId: 'station-only' }] }).timeline;
    const hits = (t: Timeline) => t.events.filter((e) => e.type === 'unit:fire' && e.to === 'defiant' && e.hit).length;
    expect(hits(alt)).toBeGreaterThan(hits(tl));
    const histField = fieldActiveAt(tl) as number;
    const altField = fieldActiveAt(alt);
    expect(altField === undefined || altField > histField).toBe(true);
  });

  it('a fork shares every event before its decision with history and matches a compile from zero', () => {
    const choice = { decisionId: 'dukat-wings', optionId: 'wings', value: 20 };
    const fork = resumeFromCheckpoint(battle, history, 'dukat-wings', choice, [choice]).timeline;
    const cp = history.checkpoints['dukat-wings'];
    expect(fork.fork?.decisionId).toBe('dukat-wings');
    expect(fork.events.slice(0, cp.seq)).toEqual(tl.events.slice(0, cp.seq));
    const point = tl.events[cp.pointSeq];
    expect(point.type).toBe('decision:point');
    // Everything before the choice is before the battle is joined: no shot has been fired yet.
    expect(tl.events.slice(0, cp.seq).some((e) => e.type === 'unit:fire')).toBe(false);
    expect(fork.events[cp.seq]).toMatchObject({ type: 'decision:made', decisionId: 'dukat-wings', value: 20, historical: false });
    const fromZero = compileBattle(battle, { decisions: [choice] }).timeline;
    expect(fork.eventsSha256).toBe(fromZero.eventsSha256);
    expect(fork.eventsSha256).not.toBe(tl.eventsSha256);
  });
});
