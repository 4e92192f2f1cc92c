import type { DecisionChoice } from '../../shared/battle/types.js';
import type { VoteOption, VoteTally } from '../../shared/protocol/events.js';
import { AppError } from '../errors.js';
import { countKeys, type Ballot } from './types.js';

// Pure vote rules: which ballots are valid, the tallies, and the winner.

function describe(options: readonly VoteOption[]): string {
  return options
    .map((o) => (o.param ? `${o.optionId} (value ${o.param.min}..${o.param.max} step ${o.param.step})` : o.optionId))
    .join(', ');
}

/** The ballot as stored, or BAD_REQUEST naming the valid options. */
export function validateBallot(
  options: readonly VoteOption[],
  optionId: string,
  value: number | undefined,
): { optionId: string; value?: number } {
  const o = options.find((x) => x.optionId === optionId);
  if (!o) throw new AppError('BAD_REQUEST', `unknown option '${optionId}'. Valid options: ${describe(options)}`);
  if (!o.param) {
    if (value !== undefined) throw new AppError('BAD_REQUEST', `option '${optionId}' takes no value`);
    return { optionId };
  }
  const p = o.param;
  if (value === undefined)
    throw new AppError('BAD_REQUEST', `option '${optionId}' needs a value: ${p.label} ${p.min}..${p.max} step ${p.step}`);
  if (value < p.min || value > p.max) throw new AppError('BAD_REQUEST', `value ${value} is out of range: ${p.label} ${p.min}..${p.max}`);
  const k = (value - p.min) / p.step;
  if (Math.abs(k - Math.round(k)) > 1e-9) throw new AppError('BAD_REQUEST', `value ${value} is not on a step of ${p.step}`);
  return { optionId, value };
}

/** One tally per option, in the options' order, from the running counts (see `countKeys`). */
export function talliesFromCounts(options: readonly VoteOption[], counts: Readonly<Record<string, number>>): VoteTally[] {
  return options.map((o) => {
    const t: VoteTally = { optionId: o.optionId, count: counts[`o:${o.optionId}`] ?? 0 };
    if (o.param) {
      const prefix = `v:${o.optionId}:`;
      t.values = Object.entries(counts)
        .filter(([k, n]) => k.startsWith(prefix) && n > 0)
        .map(([k, n]) => ({ value: Number(k.slice(prefix.length)), count: n }))
        .sort((a, b) => a.value - b.value);
    }
    return t;
  });
}

export function countsOf(ballots: readonly Ballot[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const b of ballots) for (const k of countKeys(b)) c[k] = (c[k] ?? 0) + 1;
  return c;
}

export function tallies(options: readonly VoteOption[], ballots: readonly Ballot[]): VoteTally[] {
  return talliesFromCounts(options, countsOf(ballots));
}

/** Lower median of a value histogram: always one of the values cast, so always on a step. */
export function lowerMedian(values: readonly { value: number; count: number }[]): number | undefined {
  const total = values.reduce((n, v) => n + v.count, 0);
  if (!total) return undefined;
  let seen = 0;
  const target = Math.floor((total - 1) / 2);
  for (const v of values) {
    seen += v.count;
    if (seen > target) return v.value;
  }
  return undefined;
}

export interface Decision {
  choice: DecisionChoice;
  votes: number;
  total: number;
  decidedBy: 'votes' | 'instructor';
}

export type DecideOutcome = { ok: true; decision: Decision } | { ok: false; tied: string[] };

/**
 * The winning choice: the option with most ballots, its value the lower median of its voters' values.
 * A tie (or no ballots: every option ties at 0) needs the instructor's `pick`, one of the tied options.
 */
export function decide(
  decisionId: string,
  options: readonly VoteOption[],
  ballots: readonly Ballot[],
  pick?: { optionId?: string; value?: number },
): DecideOutcome {
  const t = tallies(options, ballots);
  const best = Math.max(...t.map((x) => x.count));
  const tied = t.filter((x) => x.count === best);
  let winner: VoteTally;
  let decidedBy: Decision['decidedBy'] = 'votes';
  if (tied.length === 1) winner = tied[0];
  else {
    const chosen = pick?.optionId !== undefined ? tied.find((x) => x.optionId === pick.optionId) : undefined;
    if (!chosen) return { ok: false, tied: tied.map((x) => x.optionId) };
    winner = chosen;
    decidedBy = 'instructor';
  }
  const opt = options.find((o) => o.optionId === winner.optionId)!;
  const choice: DecisionChoice = { decisionId, optionId: opt.optionId };
  if (opt.param) {
    const picked =
      decidedBy === 'instructor' && pick?.value !== undefined ? validateBallot(options, opt.optionId, pick.value).value : undefined;
    choice.value = picked ?? lowerMedian(winner.values ?? []) ?? opt.param.default;
  }
  return { ok: true, decision: { choice, votes: winner.count, total: ballots.length, decidedBy } };
}
