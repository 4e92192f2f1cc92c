import { describe, expect, it } from 'vitest';
import type { VoteOption } from '../../shared/protocol/events.js';
import { decide, lowerMedian, tallies, validateBallot } from '../../server/votes/tally.js';
import type { Ballot } from '../../server/votes/types.js';

// The pure vote rules: valid ballots, tallies, the winner, its value, ties.

const options: VoteOption[] = [
  {
    optionId: 'send',
    label: 'Send wings',
    historical: true,
    param: { label: 'wings', min: 2, max: 40, step: 2, default: 20, unit: 'wings' },
  },
  { optionId: 'hold', label: 'Hold', historical: false },
  { optionId: 'flee', label: 'Flee', historical: false },
];
const b = (memberId: string, optionId: string, value?: number): Ballot => ({
  memberId,
  optionId,
  ...(value !== undefined ? { value } : {}),
  at: 0,
});

describe('vote rules', () => {
  it('validates ballots against the options, naming the valid ones', () => {
    expect(validateBallot(options, 'send', 10)).toEqual({ optionId: 'send', value: 10 });
    expect(validateBallot(options, 'hold', undefined)).toEqual({ optionId: 'hold' });
    expect(() => validateBallot(options, 'nope', undefined)).toThrow(/Valid options: send \(value 2\.\.40 step 2\), hold, flee/);
    expect(() => validateBallot(options, 'hold', 3)).toThrow(/takes no value/);
    expect(() => validateBallot(options, 'send', undefined)).toThrow(/needs a value/);
    expect(() => validateBallot(options, 'send', 42)).toThrow(/out of range/);
    expect(() => validateBallot(options, 'send', 5)).toThrow(/not on a step/);
  });

  it('tallies per option with a value histogram; the lower median is always a cast value', () => {
    const t = tallies(options, [b('a', 'send', 10), b('b', 'send', 4), b('c', 'send', 10), b('d', 'hold')]);
    expect(t).toEqual([
      {
        optionId: 'send',
        count: 3,
        values: [
          { value: 4, count: 1 },
          { value: 10, count: 2 },
        ],
      },
      { optionId: 'hold', count: 1 },
      { optionId: 'flee', count: 0 },
    ]);
    expect(
      lowerMedian([
        { value: 4, count: 1 },
        { value: 10, count: 1 },
      ]),
    ).toBe(4);
    expect(
      lowerMedian([
        { value: 4, count: 1 },
        { value: 6, count: 1 },
        { value: 10, count: 1 },
      ]),
    ).toBe(6);
    expect(lowerMedian([])).toBeUndefined();
  });

  it('the most ballots win with their median value; ties need the instructor among the tied', () => {
    const win = decide('d', options, [b('a', 'send', 10), b('b', 'send', 30), b('c', 'send', 20), b('d', 'hold')]);
    expect(win).toEqual({
      ok: true,
      decision: { choice: { decisionId: 'd', optionId: 'send', value: 20 }, votes: 3, total: 4, decidedBy: 'votes' },
    });
    const tie = [b('a', 'send', 10), b('b', 'hold')];
    expect(decide('d', options, tie)).toEqual({ ok: false, tied: ['send', 'hold'] });
    expect(decide('d', options, tie, { optionId: 'flee' })).toEqual({ ok: false, tied: ['send', 'hold'] });
    expect(decide('d', options, tie, { optionId: 'hold' })).toMatchObject({
      ok: true,
      decision: { choice: { optionId: 'hold' }, decidedBy: 'instructor' },
    });
    expect(decide('d', options, tie, { optionId: 'send', value: 36 })).toMatchObject({
      ok: true,
      decision: { choice: { optionId: 'send', value: 36 } },
    });
    expect(decide('d', options, tie, { optionId: 'send' })).toMatchObject({ ok: true, decision: { choice: { value: 10 } } });
    // No ballots: everything ties at zero; the pick's value defaults to the historical one.
    expect(decide('d', options, [])).toEqual({ ok: false, tied: ['send', 'hold', 'flee'] });
    expect(decide('d', options, [], { optionId: 'send' })).toMatchObject({
      ok: true,
      decision: { choice: { value: 20 }, votes: 0, total: 0 },
    });
  });
});
