import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { compileBattle } from '../../replays/engine/compiler.js';
import { type BattleCommand, type Facts, tick } from '../../replays/engine/index.js';
import { convoyRun, machine } from '../fixtures/kitExample.js';

// The authoring kit: the example battle of docs/authoring.md compiles, its decision matters, and
// the kit's TICK helper records every tick, also when a phase's own transition is taken.

const facts = (tenderHull: number, status: Facts['units'][string]['status'] = 'active'): Facts => ({
  t: 0,
  groups: {},
  sides: { blue: { ships: 3, stations: 0 }, red: { ships: 3, stations: 0 } },
  units: { tender: { status, shields: 1, hull: tenderHull, sections: {} } },
  fields: {},
  counters: {},
  losses: { blue: { ships: 0, stations: 0 }, red: { ships: 0, stations: 0 } },
});

describe('authoring kit', () => {
  it('docs/authoring.md shows the example battle verbatim (but for the import path)', () => {
    const doc = readFileSync('docs/authoring.md', 'utf8');
    const code = readFileSync('tests/fixtures/kitExample.ts', 'utf8')
      .replace("'../../replays/engine/index.js'", "'../engine/index.js'")
      .replace(/^\/\/ The example battle.*\n\n/m, '');
    expect(doc).toContain(code.trim());
  });

  it('compiles the example battle, and its decision changes the outcome', () => {
    const history = compileBattle(convoyRun).timeline;
    const screen = compileBattle(convoyRun, { decisions: [{ decisionId: 'escorts', optionId: 'stay' }] }).timeline;
    expect(history.phases.map((p) => p.id)).toEqual(['approach', 'fight']);
    expect(screen.phases.map((p) => p.id)).toEqual(['approach', 'screen']);
    expect(history.outcome.winner).toBe('blue');
    expect(screen.outcome.winner).toBe('red');
  });

  it('tick() adds record to each transition; the root records when no phase transition is taken', () => {
    expect(tick({ guard: 'a', target: 'b' }, { actions: 'c' })).toEqual([
      { guard: 'a', target: 'b', actions: ['record'] },
      { actions: ['record', 'c'] },
    ]);
    const emitted: BattleCommand[] = [];
    const clock = new SimulatedClock();
    const actor = createActor(machine, { clock });
    actor.on('*', (c) => emitted.push(c as BattleCommand));
    actor.start();
    actor.send({ type: 'TICK', t: 200, facts: facts(0.9) });
    expect(actor.getSnapshot().context.tenderHull).toBe(0.9);
    clock.increment(5_000);
    expect(actor.getSnapshot().value).toBe('decideEscorts');
    actor.send({ type: 'DECIDE', decisionId: 'escorts', optionId: 'stay' });
    expect(actor.getSnapshot().value).toEqual({ running: 'screen' });
    // The parent's tenderLost transition is taken, and the tick is still recorded.
    actor.send({ type: 'TICK', t: 400, facts: facts(0, 'destroyed') });
    expect(actor.getSnapshot().value).toBe('lost');
    expect(actor.getSnapshot().context.tenderHull).toBe(0);
    expect(emitted.at(-1)).toEqual({ type: 'end', winner: 'red', summary: 'The tender is lost.' });
  });
});
