import type { VoteResult } from '../../shared/protocol/events.js';
import { countKeys, type Ballot, type CastResult, type OpenVoteResult, type VoteRecord, type VoteStatus, type VoteStore } from './types.js';

const clone = <T>(v: T): T => structuredClone(v);

interface RoomVotes {
  votes: Map<string, VoteRecord>;
  ballots: Map<string, Map<string, Ballot>>;
  counts: Map<string, Record<string, number>>;
  open: string | null;
}

/** Default single-process vote store (values cloned in and out, like the Redis one serialises). */
export class MemoryVoteStore implements VoteStore {
  private readonly rooms = new Map<string, RoomVotes>();

  private room(roomId: string): RoomVotes {
    let r = this.rooms.get(roomId);
    if (!r) this.rooms.set(roomId, (r = { votes: new Map(), ballots: new Map(), counts: new Map(), open: null }));
    return r;
  }

  async openVote(vote: VoteRecord): Promise<OpenVoteResult> {
    const r = this.room(vote.roomId);
    if (r.open) return { ok: false, openVoteId: r.open };
    r.votes.set(vote.voteId, clone({ ...vote, status: 'open' }));
    r.ballots.set(vote.voteId, new Map());
    r.counts.set(vote.voteId, {});
    r.open = vote.voteId;
    return { ok: true };
  }

  async getVote(roomId: string, voteId: string): Promise<VoteRecord | null> {
    const v = this.rooms.get(roomId)?.votes.get(voteId);
    return v ? clone(v) : null;
  }

  async listVotes(roomId: string): Promise<VoteRecord[]> {
    return [...(this.rooms.get(roomId)?.votes.values() ?? [])]
      .map(clone)
      .sort((a, b) => a.openedAt - b.openedAt || a.voteId.localeCompare(b.voteId));
  }

  async cast(roomId: string, voteId: string, ballot: Ballot): Promise<CastResult> {
    const r = this.rooms.get(roomId);
    const v = r?.votes.get(voteId);
    if (!r || !v) return 'missing';
    if (v.status !== 'open') return v.status;
    const ballots = r.ballots.get(voteId)!;
    const counts = r.counts.get(voteId)!;
    const old = ballots.get(ballot.memberId);
    if (old) for (const k of countKeys(old)) counts[k] = (counts[k] ?? 0) - 1;
    for (const k of countKeys(ballot)) counts[k] = (counts[k] ?? 0) + 1;
    ballots.set(ballot.memberId, { ...ballot });
    return 'ok';
  }

  async ballot(roomId: string, voteId: string, memberId: string): Promise<Ballot | null> {
    const b = this.rooms.get(roomId)?.ballots.get(voteId)?.get(memberId);
    return b ? { ...b } : null;
  }

  async counts(roomId: string, voteId: string): Promise<Record<string, number>> {
    return { ...(this.rooms.get(roomId)?.counts.get(voteId) ?? {}) };
  }

  async ballots(roomId: string, voteId: string): Promise<Ballot[]> {
    return [...(this.rooms.get(roomId)?.ballots.get(voteId)?.values() ?? [])].map((b) => ({ ...b }));
  }

  async beginClose(roomId: string, voteId: string): Promise<VoteStatus | null> {
    const v = this.rooms.get(roomId)?.votes.get(voteId);
    if (!v) return null;
    const prev = v.status;
    if (prev !== 'closed') v.status = 'closing';
    return prev;
  }

  async reopen(roomId: string, voteId: string): Promise<void> {
    const v = this.rooms.get(roomId)?.votes.get(voteId);
    if (v?.status === 'closing') v.status = 'open';
  }

  async finishClose(roomId: string, voteId: string, result: VoteResult): Promise<VoteRecord | null> {
    const r = this.rooms.get(roomId);
    const v = r?.votes.get(voteId);
    if (!r || !v) return null;
    if (v.status !== 'closed') {
      v.status = 'closed';
      v.result = clone(result);
    }
    if (r.open === voteId) r.open = null;
    return clone(v);
  }

  async close(): Promise<void> {}
}
