import type { Annotation, BranchInfo, Member } from '../../shared/protocol/events.js';
import type { RoomSettings } from '../../shared/protocol/schemas.js';
import { sortAnnotations, type CasResult, type Playhead, type RoomRecord, type Store } from './types.js';

interface RoomData {
  room: RoomRecord;
  playhead: Playhead;
  members: Map<string, Member>;
  annotations: Map<string, Annotation>;
  branches: Map<string, BranchInfo>;
}

// Values are cloned in and out so callers can never mutate stored state by accident
// (the Redis store serializes; the memory store must behave the same).
const clone = <T>(v: T): T => structuredClone(v);

/** Default single-process store. */
export class MemoryStore implements Store {
  private readonly rooms = new Map<string, RoomData>();

  async createRoom(room: RoomRecord, playhead: Playhead): Promise<void> {
    this.rooms.set(room.roomId, { room: clone(room), playhead: clone(playhead), members: new Map(), annotations: new Map(), branches: new Map() });
  }

  async getRoom(roomId: string): Promise<RoomRecord | null> {
    const r = this.rooms.get(roomId);
    return r ? clone(r.room) : null;
  }

  async updateSettings(roomId: string, patch: Partial<RoomSettings>): Promise<RoomRecord | null> {
    const r = this.rooms.get(roomId);
    if (!r) return null;
    r.room = { ...r.room, settings: { ...r.room.settings, ...patch } };
    return clone(r.room);
  }

  async getPlayhead(roomId: string): Promise<Playhead | null> {
    const r = this.rooms.get(roomId);
    return r ? clone(r.playhead) : null;
  }

  async casPlayhead(roomId: string, expectedVersion: number, next: Playhead): Promise<CasResult> {
    const r = this.rooms.get(roomId);
    if (!r) return { ok: false, current: null };
    if (r.playhead.clock.version !== expectedVersion) return { ok: false, current: clone(r.playhead) };
    r.playhead = clone(next);
    return { ok: true };
  }

  async upsertMember(roomId: string, member: Member): Promise<void> {
    this.rooms.get(roomId)?.members.set(member.memberId, clone(member));
  }

  async getMember(roomId: string, memberId: string): Promise<Member | null> {
    const m = this.rooms.get(roomId)?.members.get(memberId);
    return m ? clone(m) : null;
  }

  async listMembers(roomId: string): Promise<Member[]> {
    return [...(this.rooms.get(roomId)?.members.values() ?? [])].map(clone);
  }

  async addAnnotation(a: Annotation): Promise<{ created: boolean; annotation: Annotation }> {
    const r = this.rooms.get(a.roomId);
    if (!r) throw new Error(`room ${a.roomId} does not exist`);
    const existing = r.annotations.get(a.id);
    if (existing) return { created: false, annotation: clone(existing) };
    r.annotations.set(a.id, clone(a));
    return { created: true, annotation: clone(a) };
  }

  async getAnnotation(roomId: string, id: string): Promise<Annotation | null> {
    const a = this.rooms.get(roomId)?.annotations.get(id);
    return a ? clone(a) : null;
  }

  async updateAnnotation(a: Annotation): Promise<boolean> {
    const r = this.rooms.get(a.roomId);
    if (!r?.annotations.has(a.id)) return false;
    r.annotations.set(a.id, clone(a));
    return true;
  }

  async deleteAnnotation(roomId: string, id: string): Promise<boolean> {
    return this.rooms.get(roomId)?.annotations.delete(id) ?? false;
  }

  async listAnnotations(roomId: string, branchId?: string): Promise<Annotation[]> {
    const all = [...(this.rooms.get(roomId)?.annotations.values() ?? [])];
    return sortAnnotations(all.filter((a) => branchId === undefined || a.branchId === branchId).map(clone));
  }

  async addBranch(roomId: string, branch: BranchInfo): Promise<void> {
    const r = this.rooms.get(roomId);
    if (r && !r.branches.has(branch.branchId)) r.branches.set(branch.branchId, clone(branch));
  }

  async updateBranch(roomId: string, branch: BranchInfo): Promise<void> {
    const r = this.rooms.get(roomId);
    if (r && r.branches.has(branch.branchId)) r.branches.set(branch.branchId, clone(branch));
  }

  async listBranches(roomId: string): Promise<BranchInfo[]> {
    return [...(this.rooms.get(roomId)?.branches.values() ?? [])].map(clone).sort((a, b) => a.createdAt - b.createdAt);
  }

  async close(): Promise<void> {}
}
