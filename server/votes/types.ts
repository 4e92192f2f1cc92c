import type { VoteOption, VoteResult } from '../../shared/protocol/events.js';

// Persistence for group votes: a small interface of its own (not the big Store), memory and Redis.
// A vote is `open` (ballots accepted), `closing` (ballots frozen while the winner is forked; a close
// that died half-way may be retried from here) or `closed` (with its result).

export type VoteStatus = 'open' | 'closing' | 'closed';

export interface VoteRecord {
  voteId: string;
  roomId: string;
  decisionId: string;
  title: string;
  /** The branch the vote forks from: the room's branch when it opened. */
  branchId: string;
  options: VoteOption[];
  openedBy: string;
  openedAt: number;
  status: VoteStatus;
  result?: VoteResult;
}

export interface Ballot {
  memberId: string;
  optionId: string;
  value?: number;
  at: number;
}

export type OpenVoteResult = { ok: true } | { ok: false; openVoteId: string };
/** `ok`: stored; otherwise the vote is missing or no longer open. */
export type CastResult = 'ok' | 'missing' | 'closing' | 'closed';

export interface VoteStore {
  /** Store a new open vote unless the room already has an open (or closing) one. */
  openVote(vote: VoteRecord): Promise<OpenVoteResult>;
  getVote(roomId: string, voteId: string): Promise<VoteRecord | null>;
  /** Ordered by openedAt. */
  listVotes(roomId: string): Promise<VoteRecord[]>;
  /** One ballot per member: a second cast replaces the first. Refused unless the vote is open (atomic with close). */
  cast(roomId: string, voteId: string, ballot: Ballot): Promise<CastResult>;
  ballots(roomId: string, voteId: string): Promise<Ballot[]>;
  /** One member's ballot. */
  ballot(roomId: string, voteId: string, memberId: string): Promise<Ballot | null>;
  /**
   * Running counts kept with every cast (so tallies never re-read every ballot): `countKeys(ballot)`
   * -> number of ballots. A changed ballot moves its counts atomically.
   */
  counts(roomId: string, voteId: string): Promise<Record<string, number>>;
  /** open|closing -> closing (ballots frozen); returns the previous status, null when the vote is missing. */
  beginClose(roomId: string, voteId: string): Promise<VoteStatus | null>;
  /** closing -> open (the close could not finish, e.g. a tie without the instructor's pick). */
  reopen(roomId: string, voteId: string): Promise<void>;
  /** closing -> closed with its result; frees the room for the next vote. */
  finishClose(roomId: string, voteId: string, result: VoteResult): Promise<VoteRecord | null>;
  close(): Promise<void>;
}

/** The running-count keys a ballot adds to: its option, and its option + value. */
export function countKeys(b: Pick<Ballot, 'optionId' | 'value'>): string[] {
  return b.value === undefined ? [`o:${b.optionId}`] : [`o:${b.optionId}`, `v:${b.optionId}:${b.value}`];
}
