import type { PlaybackClock } from '../../shared/clock/playback.js';
import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomSettings } from '../../shared/protocol/schemas.js';

// Persistence for rooms. Every method is async so the in-memory and Redis backends are interchangeable.
// A room is split in two records: the rarely changing meta (RoomRecord) and the playhead (branch + clock),
// which changes on every command and is written with a compare-and-set on clock.version so two server
// processes never overwrite each other's change.

export interface RoomRecord {
  roomId: string;
  battleId: string;
  /** Secret: holding it makes a member instructor. Never sent to clients except the room's creator. */
  instructorKey: string;
  settings: RoomSettings;
  createdAt: number;
}

export interface Playhead {
  branchId: string;
  clock: PlaybackClock;
}

export type BranchAdd = 'created' | 'exists' | 'full';

export type CappedAdd = { full: true } | { full: false; results: { created: boolean; annotation: Annotation }[] };

export type CasResult = { ok: true } | { ok: false; current: Playhead | null };

export interface Store {
  createRoom(room: RoomRecord, playhead: Playhead): Promise<void>;
  getRoom(roomId: string): Promise<RoomRecord | null>;
  /** Merge settings; null when the room does not exist. */
  updateSettings(roomId: string, patch: Partial<RoomSettings>): Promise<RoomRecord | null>;

  getPlayhead(roomId: string): Promise<Playhead | null>;
  /** Write `next` only when the stored clock.version equals expectedVersion. */
  casPlayhead(roomId: string, expectedVersion: number, next: Playhead): Promise<CasResult>;

  upsertMember(roomId: string, member: Member): Promise<void>;
  /**
   * Store `member` (connected) if the room has a place for it, in one atomic step (two processes racing for the
   * last place: one gets it). Only present (connected) members fill places; a member already present keeps its
   * own. False (nothing written) when `cap` present members are there already.
   */
  admitMember(roomId: string, member: Member, cap: number): Promise<boolean>;
  getMember(roomId: string, memberId: string): Promise<Member | null>;
  listMembers(roomId: string): Promise<Member[]>;

  /** Idempotent by (roomId, id): the first stored annotation wins and is returned with created=false on retries. */
  addAnnotation(a: Annotation): Promise<{ created: boolean; annotation: Annotation }>;
  /**
   * Add several annotations of one room, all or nothing and atomically: when the ids not stored yet would take
   * the room past `cap` annotations, nothing is written (`full`). Otherwise each is added as by addAnnotation
   * (a stored id keeps its first version).
   */
  addAnnotationsCapped(roomId: string, list: Annotation[], cap: number): Promise<CappedAdd>;
  getAnnotation(roomId: string, id: string): Promise<Annotation | null>;
  /** Overwrite an existing annotation; false when it no longer exists. */
  updateAnnotation(a: Annotation): Promise<boolean>;
  deleteAnnotation(roomId: string, id: string): Promise<boolean>;
  /** Ordered by positionMs, then createdAt. */
  listAnnotations(roomId: string, branchId?: string): Promise<Annotation[]>;

  /**
   * Idempotent by branchId. With `cap`, atomic: a new branch is refused (`full`, nothing written) when the
   * room holds `cap` branches already.
   */
  addBranch(roomId: string, branch: BranchInfo, cap?: number): Promise<BranchAdd>;
  /** Replace a recorded branch (a progressive fork recorded at its ack, completed later); no-op if absent. */
  updateBranch(roomId: string, branch: BranchInfo): Promise<void>;
  listBranches(roomId: string): Promise<BranchInfo[]>;
  /** One recorded branch (a process serving a branch it never compiled reads only that record, not the room's list). */
  getBranch(roomId: string, branchId: string): Promise<BranchInfo | undefined>;

  close(): Promise<void>;
}

/**
 * Bounded retention, the same on every backend. Every key of a room expires after `roomTtlMs` without use
 * (any read or write of the room refreshes it); a member disconnected for longer than `memberGraceMs` is
 * dropped from the member list (their annotations stay). Branch records live in their room, so a branch is
 * kept exactly as long as a room that references it.
 */
export interface Retention {
  roomTtlMs?: number;
  memberGraceMs?: number;
  /** Wall clock for disconnect times and (memory) expiry; injectable for tests. */
  now?: () => number;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_ROOM_TTL_MS = 30 * DAY_MS;
export const DEFAULT_MEMBER_GRACE_MS = 15 * 60_000;

/** How often a room's TTL is refreshed at most (per process): 1% of the TTL, at most hourly. */
export const touchEveryMs = (ttlMs: number): number => Math.min(ttlMs / 100, 3_600_000);

export function sortAnnotations(list: Annotation[]): Annotation[] {
  return list.sort((a, b) => a.positionMs - b.positionMs || a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}
