import type { TimelineMeta } from '../timelines/TimelineService.js';
import { randomBytes } from 'node:crypto';
import type { BranchInfo, Member, VoteState } from '../../shared/protocol/events.js';
import type { VoteClosePayload, VoteCastPayload } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import type { Playhead } from '../store/types.js';
import type { ForkResult, RoomService } from '../rooms/RoomService.js';
import { decide, talliesFromCounts, validateBallot } from './tally.js';
import type { Ballot, VoteRecord, VoteStore } from './types.js';

// Vote use cases over the VoteStore and the rooms' fork path. No sockets here: handlers check roles,
// call these and emit what they return.

export interface CloseOutcome {
  vote: VoteState;
  branch: BranchInfo;
  /** The branch was new to the room (branch:created). */
  created: boolean;
  /** Set when the room was switched to the winner. */
  switched: { playhead: Playhead; timeline: TimelineMeta } | null;
  /** A progressive fork (branch.complete false): settles with its final info (branch:updated). */
  completed?: ForkResult['completed'];
}

export class VoteService {
  constructor(
    readonly store: VoteStore,
    private readonly rooms: RoomService,
    private readonly now: () => number,
  ) {}

  /** The vote as seen with `mine` as the member's own ballot; no ballot = the room broadcast. */
  view(v: VoteRecord, counts: Readonly<Record<string, number>>, mine?: Ballot | null): VoteState {
    return {
      voteId: v.voteId,
      decisionId: v.decisionId,
      title: v.title,
      branchId: v.branchId,
      open: v.status !== 'closed',
      options: v.options,
      tallies: talliesFromCounts(v.options, counts),
      ...(mine
        ? { yourChoice: mine.value !== undefined ? { optionId: mine.optionId, value: mine.value } : { optionId: mine.optionId } }
        : {}),
      ...(v.result ? { result: v.result } : {}),
      openedBy: v.openedBy,
      openedAt: v.openedAt,
    };
  }

  /** Counts, not ballots: a state costs the same with 10 or 10,000 voters. */
  async state(roomId: string, voteId: string, memberId?: string): Promise<VoteState> {
    const v = await this.vote(roomId, voteId);
    return this.stateOf(v, memberId);
  }

  private async stateOf(v: VoteRecord, memberId?: string): Promise<VoteState> {
    const [counts, mine] = await Promise.all([
      this.store.counts(v.roomId, v.voteId),
      memberId ? this.store.ballot(v.roomId, v.voteId, memberId) : Promise.resolve(null),
    ]);
    return this.view(v, counts, mine);
  }

  async list(roomId: string, memberId?: string): Promise<VoteState[]> {
    const votes = await this.store.listVotes(roomId);
    return Promise.all(votes.map((v) => this.stateOf(v, memberId)));
  }

  private async vote(roomId: string, voteId: string): Promise<VoteRecord> {
    const v = await this.store.getVote(roomId, voteId);
    if (!v) throw new AppError('NOT_FOUND', `no vote ${voteId} in this room`);
    return v;
  }

  /** Open a vote on a decision the room's current branch reaches; one open vote per room. */
  async open(roomId: string, member: Member, decisionId: string): Promise<VoteState> {
    const { timeline } = await this.rooms.load(roomId);
    const dp = timeline.decisionPoints.find((d) => d.id === decisionId);
    if (!dp || dp.atMs === null) {
      const valid =
        timeline.decisionPoints
          .filter((d) => d.atMs !== null)
          .map((d) => d.id)
          .join(', ') || '(none)';
      throw new AppError('BAD_REQUEST', `decision '${decisionId}' is not reached on this branch. Valid decisions: ${valid}`);
    }
    const vote: VoteRecord = {
      voteId: `v_${randomBytes(6).toString('base64url')}`,
      roomId,
      decisionId,
      title: dp.title,
      branchId: timeline.branchId,
      options: dp.options.map((o) => ({
        optionId: o.id,
        label: o.label,
        historical: o.historical,
        ...(o.param ? { param: { ...o.param } } : {}),
      })),
      openedBy: member.name,
      openedAt: this.now(),
      status: 'open',
    };
    const res = await this.store.openVote(vote);
    if (!res.ok) throw new AppError('CONFLICT', `vote ${res.openVoteId} is still open in this room; close it first`);
    return this.view(vote, {});
  }

  async cast(roomId: string, member: Member, p: VoteCastPayload): Promise<VoteState> {
    const v = await this.vote(roomId, p.voteId);
    const ballot = validateBallot(v.options, p.optionId, p.value);
    const res = await this.store.cast(roomId, p.voteId, { memberId: member.memberId, ...ballot, at: this.now() });
    if (res === 'missing') throw new AppError('NOT_FOUND', `no vote ${p.voteId} in this room`);
    if (res !== 'ok') throw new AppError('CONFLICT', `vote ${p.voteId} is ${res}`);
    return this.state(roomId, p.voteId, member.memberId);
  }

  /**
   * Freeze the ballots, fork the winner from the vote's branch (ties: the instructor's pick), optionally
   * switch the room to it, and store the result. Closing a closed vote returns its result.
   */
  async close(roomId: string, member: Member, p: VoteClosePayload): Promise<CloseOutcome> {
    const v = await this.vote(roomId, p.voteId);
    const prev = await this.store.beginClose(roomId, p.voteId);
    if (prev === null) throw new AppError('NOT_FOUND', `no vote ${p.voteId} in this room`);
    if (prev === 'closed' && v.result) {
      // Same decisions = same branch id: the fork path returns the recorded branch without compiling again.
      const again = await this.rooms.fork(
        roomId,
        member,
        { decisionId: v.decisionId, optionId: v.result.optionId, value: v.result.value },
        v.branchId,
      );
      return { vote: await this.state(roomId, p.voteId, member.memberId), branch: again.branch, created: false, switched: null };
    }
    const ballots = await this.store.ballots(roomId, p.voteId);
    const outcome = decide(v.decisionId, v.options, ballots, { optionId: p.optionId, value: p.value });
    if (!outcome.ok) {
      await this.store.reopen(roomId, p.voteId);
      throw new AppError(
        'BAD_REQUEST',
        `tie between ${outcome.tied.join(', ')}: close again with optionId (one of them) to pick the winner`,
      );
    }
    let forked: ForkResult;
    try {
      forked = await this.rooms.fork(roomId, member, outcome.decision.choice, v.branchId);
    } catch (err) {
      await this.store.reopen(roomId, p.voteId);
      throw err;
    }
    const switched = p.switch ? await this.rooms.switchBranch(roomId, forked.branch.branchId) : null;
    const d = outcome.decision;
    await this.store.finishClose(roomId, p.voteId, {
      optionId: d.choice.optionId,
      ...(d.choice.value !== undefined ? { value: d.choice.value } : {}),
      votes: d.votes,
      total: d.total,
      decidedBy: d.decidedBy,
      branchId: forked.branch.branchId,
      switched: !!switched,
      closedBy: member.name,
      closedAt: this.now(),
    });
    return {
      vote: await this.state(roomId, p.voteId, member.memberId),
      branch: forked.branch,
      created: forked.created,
      completed: forked.completed,
      switched: switched?.changed ? { playhead: switched.playhead, timeline: switched.timeline } : null,
    };
  }
}
