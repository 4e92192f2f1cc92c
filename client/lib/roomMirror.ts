import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo, Member, RoomState } from '../../shared/protocol/events.js';

// The client's copy of a room: pure updates for each server event, so the connection only routes
// events here and tells listeners what changed. Each returns the same object when nothing changed.

/** Whether clock `c` supersedes `held` (older versions, and repeats of the same instant, are dropped). */
export function isNewerClock(held: PlaybackClock | null, c: PlaybackClock): boolean {
  if (!held) return true;
  if (c.version < held.version) return false;
  return !(c.version === held.version && c.serverTime === held.serverTime);
}

export function withClock(room: RoomState, clock: PlaybackClock): RoomState {
  return { ...room, clock };
}

export function withMembers(room: RoomState, members: Member[]): RoomState {
  return { ...room, members };
}

export function withBranchId(room: RoomState, branchId: string): RoomState {
  return room.branchId === branchId ? room : { ...room, branchId };
}

/** Add or replace an annotation, keeping playback order. */
export function upsertAnnotation(room: RoomState, a: Annotation): RoomState {
  const others = room.annotations.filter((x) => x.id !== a.id);
  return { ...room, annotations: [...others, a].sort((x, y) => x.positionMs - y.positionMs) };
}

export function removeAnnotation(room: RoomState, id: string): RoomState {
  return room.annotations.some((a) => a.id === id) ? { ...room, annotations: room.annotations.filter((a) => a.id !== id) } : room;
}

export function addBranch(room: RoomState, b: BranchInfo): RoomState {
  return room.branches.some((x) => x.branchId === b.branchId) ? room : { ...room, branches: [...room.branches, b] };
}

/** A branch's final info replaces its placeholder (a progressive fork completed). */
export function updateBranch(room: RoomState, b: BranchInfo): RoomState {
  return room.branches.some((x) => x.branchId === b.branchId)
    ? { ...room, branches: room.branches.map((x) => (x.branchId === b.branchId ? b : x)) }
    : room;
}
