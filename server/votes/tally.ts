import type { DecisionChoice } from '../../shared/battle/types.js';
import type { VoteOption, VoteTally } from '../../shared/protocol/events.js';
import { AppError } from '../errors.js';
import type { Ballot } from './types.js';

// Pure vote rules: which ballots are valid, the tallies, and the winner.

function describe(options: readonly VoteOption[]): string {
  return options.map((o) => (o.param ? `${o.optionId} (value ${o.param.min}..${o.param.max} step ${o.param.step})` : o.optionId)).join(', ');
}

/** The ballot as stored, or BAD_REQUEST naming the valid options. */
export function validateBallot(options: readonly VoteOption[], optionId: string, value: number | undefined): { optionId: string; value?: number } {
  const o = options.find((x) => x.optionId === optionId);
  if (!o) throw new AppError('BAD_REQUEST', `unknown option '${optionId}'. Valid options: ${describe(options)}`);
  if (!o.param) {
    if (value !== undefined) throw new AppError('BAD_REQUEST', `option '${optionId}' takes no value`);
    return { optionId };
  }
  const p = o.param;
  if (value === undefined) throw new AppError('BAD_REQUEST', `option '${optionId}' needs a value: ${p.label} ${p.min}..${p.max} step ${p.step}`);
  if (value < p.min || value > p.max) throw new AppError('BAD_REQUEST', `value ${value} is out of range: ${p.label} ${p.min}..${p.max}`);
  const k = (value - p.min) / p.step;
  if (Math.abs(k - Math.round(k)) > 1e-9) throw new AppError('BAD_REQUEST', `value ${value} is not on a step of ${p.step}`);
  return { optionId, value };
}

/** One tally per option, in the options' order; values sorted. */
export function tallies(options: readonly VoteOption[], ballots: readonly Ballot[]): VoteTally[] {
  return options.map((o) => {
    const mine = ballots.filter((b) => b.optionId === o.optionId);
    const t: VoteTally = { optionId: o.optionId, count: mine.length };
    if (o.param) t.values = mine.map((b) => b.value ?? o.param!.default).sort((a, b) => a - b);
    return t;
  });
}

/** Lower median: always one of the values cast, so always on a step. */
export function lowerMedian(sorted: readonly number[]): number | undefined {
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
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
    const picked = decidedBy === 'instructor' && pick?.value !== undefined ? validateBallot(options, opt.optionId, pick.value).value : undefined;
    choice.value = picked ?? lowerMedian(winner.values ?? []) ?? opt.param.default;
  }
  return { ok: true, decision: { choice, votes: winner.count, total: ballots.length, decidedBy } };
}
