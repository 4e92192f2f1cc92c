import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomSettings } from '../../shared/protocol/schemas.js';
import {
  DEFAULT_MEMBER_GRACE_MS,
  DEFAULT_ROOM_TTL_MS,
  sortAnnotations,
  type BranchAdd,
  type CappedAdd,
  type CasResult,
  type Playhead,
  type Retention,
  type RoomRecord,
  type Store,
} from './types.js';

interface RoomData {
  /** Last use (any read or write): the room is dropped roomTtlMs after it. */
  usedAt: number;
  /** memberId -> when it disconnected; pruned from `members` after the grace period. */
  gone: Map<string, number>;
  room: RoomRecord;
  playhead: Playhead;
  members: Map<string, Member>;
  annotations: Map<string, Annotation>;
  branches: Map<string, BranchInfo>;
}

// Values are cloned in and out so callers can never mutate stored state by accident
// (the Redis store serializes; the memory store must behave the same).
const clone = <T>(v: T): T => structuredClone(v);

/** Default single-process store. Same retention as Redis: rooms expire unused, gone members are pruned. */
export class MemoryStore implements Store {
  private readonly roomsById = new Map<string, RoomData>();
  private readonly ttlMs: number;
  private readonly graceMs: number;
  private readonly now: () => number;
  private sweptAt = 0;

  constructor(retention: Retention = {}) {
    this.ttlMs = retention.roomTtlMs ?? DEFAULT_ROOM_TTL_MS;
    this.graceMs = retention.memberGraceMs ?? DEFAULT_MEMBER_GRACE_MS;
    this.now = retention.now ?? Date.now;
  }

  /** The live room (its use refreshes it), or undefined when absent or expired. */
  private live(roomId: string): RoomData | undefined {
    const r = this.roomsById.get(roomId);
    if (!r) return undefined;
    const now = this.now();
    if (now - r.usedAt > this.ttlMs) {
      this.roomsById.delete(roomId);
      return undefined;
    }
    r.usedAt = now;
    return r;
  }

  /** Rooms nobody asks for again must not stay in memory: sweep them now and then (on creation). */
  private sweep(): void {
    const now = this.now();
    if (now - this.sweptAt < Math.min(this.ttlMs, 60_000)) return;
    this.sweptAt = now;
    for (const [id, r] of this.roomsById) if (now - r.usedAt > this.ttlMs) this.roomsById.delete(id);
  }

  private prune(r: RoomData): void {
    const cutoff = this.now() - this.graceMs;
    for (const [id, at] of r.gone) {
      if (at > cutoff) continue;
      r.gone.delete(id);
      r.members.delete(id);
    }
  }

  async createRoom(room: RoomRecord, playhead: Playhead): Promise<void> {
    this.sweep();
    this.roomsById.set(room.roomId, {
      usedAt: this.now(),
      gone: new Map(),
      room: clone(room),
      playhead: clone(playhead),
      members: new Map(),
      annotations: new Map(),
      branches: new Map(),
    });
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const r = this.live(roomId);
    return r ? clone(r.room) : null;
  }

  async updateSettings(roomId: string, patch: Partial<RoomSettings>): Promise<RoomRecord | null> {
    const r = this.live(roomId);
    if (!r) return null;
    r.room = { ...r.room, settings: { ...r.room.settings, ...patch } };
    return clone(r.room);
  }

  async getPlayhead(roomId: string): Promise<Playhead | null> {
    const r = this.live(roomId);
    return r ? clone(r.playhead) : null;
  }

  async casPlayhead(roomId: string, expectedVersion: number, next: Playhead): Promise<CasResult> {
    const r = this.live(roomId);
    if (!r) return { ok: false, current: null };
    if (r.playhead.clock.version !== expectedVersion) return { ok: false, current: clone(r.playhead) };
    r.playhead = clone(next);
    return { ok: true };
  }

  async upsertMember(roomId: string, member: Member): Promise<void> {
    const r = this.live(roomId);
    if (!r) return;
    r.members.set(member.memberId, clone(member));
    if (member.connected) r.gone.delete(member.memberId);
    else if (!r.gone.has(member.memberId)) r.gone.set(member.memberId, this.now());
  }

  // Check and write with no await between them: atomic on one event loop, like the Redis scripts.
  async admitMember(roomId: string, member: Member, cap: number): Promise<boolean> {
    const r = this.live(roomId);
    if (!r) return false;
    const present = r.members.has(member.memberId) && !r.gone.has(member.memberId);
    if (!present && r.members.size - r.gone.size >= cap) return false;
    await this.upsertMember(roomId, { ...member, connected: true });
    return true;
  }

  async getMember(roomId: string, memberId: string): Promise<Member | null> {
    const r = this.live(roomId);
    if (r) this.prune(r);
    const m = r?.members.get(memberId);
    return m ? clone(m) : null;
  }

  async listMembers(roomId: string): Promise<Member[]> {
    const r = this.live(roomId);
    if (r) this.prune(r);
    return [...(r?.members.values() ?? [])].map(clone);
  }

  async addAnnotation(a: Annotation): Promise<{ created: boolean; annotation: Annotation }> {
    const r = this.live(a.roomId);
    if (!r) throw new Error(`room ${a.roomId} does not exist`);
    const existing = r.annotations.get(a.id);
    if (existing) return { created: false, annotation: clone(existing) };
    r.annotations.set(a.id, clone(a));
    return { created: true, annotation: clone(a) };
  }

  async addAnnotationsCapped(roomId: string, list: Annotation[], cap: number): Promise<CappedAdd> {
    const r = this.live(roomId);
    if (!r) throw new Error(`room ${roomId} does not exist`);
    const fresh = new Set(list.map((a) => a.id).filter((id) => !r.annotations.has(id)));
    if (r.annotations.size + fresh.size > cap) return { full: true };
    const results = list.map((a) => {
      const existing = r.annotations.get(a.id);
      if (existing) return { created: false, annotation: clone(existing) };
      r.annotations.set(a.id, clone(a));
      return { created: true, annotation: clone(a) };
    });
    return { full: false, results };
  }

  async getAnnotation(roomId: string, id: string): Promise<Annotation | null> {
    const a = this.live(roomId)?.annotations.get(id);
    return a ? clone(a) : null;
  }

  async updateAnnotation(a: Annotation): Promise<boolean> {
    const r = this.live(a.roomId);
    if (!r?.annotations.has(a.id)) return false;
    r.annotations.set(a.id, clone(a));
    return true;
  }

  async deleteAnnotation(roomId: string, id: string): Promise<boolean> {
    return this.live(roomId)?.annotations.delete(id) ?? false;
  }

  async listAnnotations(roomId: string, branchId?: string): Promise<Annotation[]> {
    const all = [...(this.live(roomId)?.annotations.values() ?? [])];
    return sortAnnotations(all.filter((a) => branchId === undefined || a.branchId === branchId).map(clone));
  }

  async addBranch(roomId: string, branch: BranchInfo, cap = Number.POSITIVE_INFINITY): Promise<BranchAdd> {
    const r = this.live(roomId);
    if (!r) return 'full';
    if (r.branches.has(branch.branchId)) return 'exists';
    if (r.branches.size >= cap) return 'full';
    r.branches.set(branch.branchId, clone(branch));
    return 'created';
  }

  async updateBranch(roomId: string, branch: BranchInfo): Promise<void> {
    const r = this.live(roomId);
    if (r?.branches.has(branch.branchId)) r.branches.set(branch.branchId, clone(branch));
  }

  async listBranches(roomId: string): Promise<BranchInfo[]> {
    return [...(this.live(roomId)?.branches.values() ?? [])].map(clone).sort((a, b) => a.createdAt - b.createdAt);
  }

  async getBranch(roomId: string, branchId: string): Promise<BranchInfo | undefined> {
    const b = this.live(roomId)?.branches.get(branchId);
    return b && clone(b);
  }

  async close(): Promise<void> {}
}
