import type { DecisionPointInfo, Timeline } from '../../shared/battle/timeline.js';
import type { BranchInfo, BranchTree, BranchTreeNode } from '../../shared/protocol/events.js';
import { AppError } from '../errors.js';
import { branchInfoOf } from '../rooms/branching.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { SegmentStore } from '../timelines/SegmentStore.js';

// The branch tree of a room: history as the trunk, every branch forked in the room under its parent.
// A branch whose parent is not in the room (a room created on a branch) hangs off history.

/**
 * `segments`: take each branch's decision points from its manifest (small, built in the worker) instead of
 * copying every branch's whole timeline to this thread; a fork still compiling lists those reached so far.
 */
export async function roomBranchTree(rooms: RoomService, roomId: string, segments?: SegmentStore): Promise<BranchTree> {
  const { room, playhead } = await rooms.load(roomId);
  // Metadata through the process cache: the timeline service may sit on a worker thread (no events cross).
  const historyId = await rooms.timelines.service.canonicalBranchId(room.battleId);
  const historyTl = historyId ? await rooms.timelines.meta(room.battleId, historyId) : null;
  if (!historyId || !historyTl) throw new AppError('NOT_FOUND', `unknown battle ${room.battleId}`);
  // Forking back to the historical choice names history itself: it is the trunk, never a child.
  const records = (await rooms.branches(roomId)).filter((b) => b.branchId !== historyId);
  const points = new Map<string, DecisionPointInfo[]>([[historyId, historyTl.decisionPoints]]);
  for (const b of records) {
    const recipe = { decisions: b.decisions, ...(b.fork ? { forkDecisionId: b.fork.decisionId } : {}) };
    const m = segments ? await segments.manifest(room.battleId, b.branchId, recipe) : null;
    const tl: Pick<Timeline, 'decisionPoints'> = m ? m.manifest : await rooms.metaOf(roomId, room.battleId, b.branchId);
    points.set(b.branchId, tl.decisionPoints);
  }

  const infos: BranchInfo[] = [branchInfoOf(historyTl, null, room.createdAt), ...records];
  const known = new Set(infos.map((b) => b.branchId));
  const parentOf = (b: BranchInfo): string | null =>
    b.branchId === historyId ? null : b.parentBranchId && known.has(b.parentBranchId) ? b.parentBranchId : historyId;
  const kids = new Map<string, BranchInfo[]>();
  for (const b of infos) {
    const p = parentOf(b);
    if (p) kids.set(p, [...(kids.get(p) ?? []), b]);
  }
  for (const list of kids.values()) list.sort((a, b) => (a.fork?.atMs ?? 0) - (b.fork?.atMs ?? 0) || a.createdAt - b.createdAt);

  const out: BranchTreeNode[] = [];
  const visit = (b: BranchInfo, depth: number): void => {
    const children = kids.get(b.branchId) ?? [];
    out.push({
      ...b,
      parentBranchId: parentOf(b),
      history: b.branchId === historyId,
      depth,
      children: children.map((c) => c.branchId),
      decisionPoints: points.get(b.branchId) ?? [],
    });
    for (const c of children) visit(c, depth + 1);
  };
  visit(infos[0], 0);
  return { roomId, battleId: room.battleId, currentBranchId: playhead.branchId, historyBranchId: historyId, branches: out };
}
