import type { ChatMessage, ReactionCount } from '../../shared/protocol/events.js';
import { type ChatStore, type PinnedReaction, parseReactionField, reactionField, sortReactions } from './store.js';

interface RoomChat {
  messages: ChatMessage[];
  /** Ids seen (insertion ordered, bounded): dedups retries, also of messages already trimmed or cleared. */
  seen: Map<string, ChatMessage>;
  reactionIds: Set<string>;
  muted: Set<string>;
  reactions: Map<string, number>;
}

const SEEN_MAX = 5000;

function remember<T>(m: Map<string, T> | Set<string>, key: string, value?: T): void {
  if (m instanceof Map) m.set(key, value as T);
  else m.add(key);
  if (m.size > SEEN_MAX) m.delete(m.keys().next().value as string);
}

export class MemoryChatStore implements ChatStore {
  private rooms = new Map<string, RoomChat>();

  private room(roomId: string): RoomChat {
    let r = this.rooms.get(roomId);
    if (!r) this.rooms.set(roomId, (r = { messages: [], seen: new Map(), reactionIds: new Set(), muted: new Set(), reactions: new Map() }));
    return r;
  }

  async addMessage(roomId: string, message: ChatMessage, keep: number): Promise<{ created: boolean; message: ChatMessage }> {
    const r = this.room(roomId);
    const prior = r.seen.get(message.id);
    if (prior) return { created: false, message: prior };
    remember(r.seen, message.id, message);
    r.messages.push(message);
    if (r.messages.length > keep) r.messages.splice(0, r.messages.length - keep);
    return { created: true, message };
  }

  async listMessages(roomId: string): Promise<ChatMessage[]> {
    return [...(this.rooms.get(roomId)?.messages ?? [])];
  }

  async clearMessages(roomId: string): Promise<void> {
    const r = this.rooms.get(roomId);
    if (r) r.messages = [];
  }

  async setMuted(roomId: string, memberId: string, muted: boolean): Promise<void> {
    const r = this.room(roomId);
    if (muted) r.muted.add(memberId);
    else r.muted.delete(memberId);
  }

  async isMuted(roomId: string, memberId: string): Promise<boolean> {
    return this.rooms.get(roomId)?.muted.has(memberId) ?? false;
  }

  async listMuted(roomId: string): Promise<string[]> {
    return [...(this.rooms.get(roomId)?.muted ?? [])].sort();
  }

  async addReaction(roomId: string, id: string, pin: PinnedReaction): Promise<boolean> {
    const r = this.room(roomId);
    if (r.reactionIds.has(id)) return false;
    remember(r.reactionIds, id);
    const f = reactionField(pin);
    r.reactions.set(f, (r.reactions.get(f) ?? 0) + 1);
    return true;
  }

  async listReactions(roomId: string, branchId?: string): Promise<ReactionCount[]> {
    const out: ReactionCount[] = [];
    for (const [f, n] of this.rooms.get(roomId)?.reactions ?? []) {
      const c = parseReactionField(f, n);
      if (c && (!branchId || c.branchId === branchId)) out.push(c);
    }
    return sortReactions(out);
  }

  async close(): Promise<void> {}
}
