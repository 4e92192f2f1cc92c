import { BranchForkSchema, BranchSwitchSchema } from '../../shared/protocol/schemas.js';
import { canFork, canSwitchBranch, require } from '../rooms/access.js';
import { bind, type HandlerTable } from './bind.js';
import { broadcast, forkFailure } from './broadcast.js';
import type { HandlerDeps } from './deps.js';

export function registerBranchHandlers(table: HandlerTable, d: HandlerDeps): void {
  // Fork from the room's current branch; the room stays where it is (switch is a separate, instructor step).
  bind(table, d, 'branch:fork', BranchForkSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(canFork(member.role), 'viewers cannot fork branches');
    const { branch, created, completed, manifest } = await d.rooms.fork(roomId, member, p, undefined, d.addressOf(ctx.socket));
    if (created) broadcast(d, { roomId, kind: 'branch' }, 'branch:created', branch);
    // A progressive fork acks once its first segment is out (branch.complete false); its final info follows.
    completed?.then(
      (r) => broadcast(d, { roomId, kind: 'branch' }, 'branch:updated', r.branch),
      (err: unknown) => {
        d.logger.error({ err, roomId }, 'progressive fork failed');
        broadcast(d, { roomId, kind: 'branch' }, 'branch:failed', forkFailure(branch.branchId, err));
      },
    );
    // The manifest rides along (docs/protocol.md, "Progressive forks"): the forking client's first frame needs it.
    return manifest ? { branch, manifest } : { branch };
  });

  bind(table, d, 'branch:switch', BranchSwitchSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(canSwitchBranch(member.role), 'only the instructor switches the room to another branch');
    const res = await d.rooms.switchBranch(roomId, p.branchId);
    // The loop drops the old branch's stop points itself when the branch changes.
    if (res.changed) d.loop.applied(roomId, res.playhead, res.timeline, true);
    return { branchId: res.playhead.branchId, clock: res.playhead.clock };
  });
}
