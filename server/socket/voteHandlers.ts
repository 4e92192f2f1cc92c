import { VoteCastSchema, VoteCloseSchema, VoteOpenSchema, VoteSyncSchema } from '../../shared/protocol/schemas.js';
import { require } from '../rooms/access.js';
import { bind, type HandlerTable } from './bind.js';
import { broadcast, forkFailure } from './broadcast.js';
import type { HandlerDeps } from './deps.js';

// Group votes: the instructor opens and closes, players and viewers vote. Tallies go to the room
// (coalesced); `yourChoice` only ever goes to the member's own socket (acks, vote:sync, the echo).

export function registerVoteHandlers(table: HandlerTable, d: HandlerDeps): void {
  bind(table, d, 'vote:open', VoteOpenSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(member.role === 'instructor', 'only the instructor opens a vote');
    const vote = await d.votes.open(roomId, member, p.decisionId);
    d.io.to(roomId).emit('vote:state', vote);
    return { vote };
  });

  bind(table, d, 'vote:cast', VoteCastSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(member.role !== 'instructor', 'players and viewers vote; the instructor breaks ties when closing');
    const vote = await d.votes.cast(roomId, member, p);
    d.tallies.changed(roomId, p.voteId);
    return { vote };
  });

  bind(table, d, 'vote:close', VoteCloseSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(member.role === 'instructor', 'only the instructor closes a vote');
    const res = await d.votes.close(roomId, member, p);
    if (res.created) {
      d.io.to(roomId).emit('branch:created', res.branch);
      d.metrics.broadcasts.inc({ kind: 'branch' });
    }
    res.completed?.then(
      (r) => {
        d.io.to(roomId).emit('branch:updated', r.branch);
        d.metrics.broadcasts.inc({ kind: 'branch' });
      },
      (err: unknown) => {
        d.logger.error({ err, roomId }, 'progressive fork failed');
        broadcast(d, { roomId, kind: 'branch' }, 'branch:failed', forkFailure(res.branch.branchId, err));
      },
    );
    if (res.switched) {
      d.loop.invalidateStops(roomId);
      d.loop.applied(roomId, res.switched.playhead, res.switched.timeline, true);
    }
    const { yourChoice: _mine, ...everyone } = res.vote;
    d.io.to(roomId).emit('vote:state', everyone);
    return { vote: res.vote, branch: res.branch };
  });

  bind(table, d, 'vote:sync', VoteSyncSchema, async (_p, ctx) => {
    const { roomId, member } = ctx.member();
    return { votes: await d.votes.list(roomId, member.memberId) };
  });
}
