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
  /** open|closing -> closing (ballots frozen); returns the previous status, null when the vote is missing. */
  beginClose(roomId: string, voteId: string): Promise<VoteStatus | null>;
  /** closing -> open (the close could not finish, e.g. a tie without the instructor's pick). */
  reopen(roomId: string, voteId: string): Promise<void>;
  /** closing -> closed with its result; frees the room for the next vote. */
  finishClose(roomId: string, voteId: string, result: VoteResult): Promise<VoteRecord | null>;
  close(): Promise<void>;
}
