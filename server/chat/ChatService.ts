import { RateLimiterMemory } from 'rate-limiter-flexible';
import { positionAt } from '../../shared/clock/playback.js';
import type { ChatHistory, ChatMessage, Member, ReactionCount } from '../../shared/protocol/events.js';
import { CHAT_KEEP, type ChatMutePayload, type ChatReactPayload, type ChatSendPayload } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import type { RoomService } from '../rooms/RoomService.js';
import { newMessage, pinReaction, requireModerator, requireMutable } from './chat.js';
import type { ReactionBatcher } from './ReactionBatcher.js';
import type { ChatStore } from './store.js';

// Chat use cases: mutes and per-member budgets are checked here, the rules are in chat.ts, the store
// persists, and reactions go out through the batcher. Handlers emit what these return.

export interface ChatLimits {
  /** Messages per member per window. */
  messages: { points: number; durationS: number };
  /** Reactions per member per window. */
  reactions: { points: number; durationS: number };
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = { messages: { points: 5, durationS: 5 }, reactions: { points: 10, durationS: 2 } };

export class ChatService {
  private readonly msgLimit: RateLimiterMemory;
  private readonly reactLimit: RateLimiterMemory;

  constructor(
    private readonly store: ChatStore,
    private readonly rooms: RoomService,
    private readonly batcher: ReactionBatcher,
    private readonly now: () => number,
    limits: ChatLimits = DEFAULT_CHAT_LIMITS,
  ) {
    this.msgLimit = new RateLimiterMemory({ points: limits.messages.points, duration: limits.messages.durationS });
    this.reactLimit = new RateLimiterMemory({ points: limits.reactions.points, duration: limits.reactions.durationS });
  }

  async send(roomId: string, member: Member, p: ChatSendPayload): Promise<{ created: boolean; message: ChatMessage }> {
    await this.allowed(roomId, member, this.msgLimit, 'messages');
    const { playhead } = await this.rooms.load(roomId);
    const msg = newMessage(member, p, this.now(), playhead.branchId, positionAt(playhead.clock, this.now()));
    const res = await this.store.addMessage(roomId, msg, CHAT_KEEP);
    if (res.message.authorId !== member.memberId) throw new AppError('CONFLICT', `message id ${p.id} is taken`);
    return res;
  }

  async react(roomId: string, member: Member, p: ChatReactPayload): Promise<ReactionCount> {
    await this.allowed(roomId, member, this.reactLimit, 'reactions');
    const { playhead } = await this.rooms.load(roomId);
    const pin = pinReaction(playhead.branchId, p.positionMs, playhead.clock.durationMs, p.symbol);
    // The id is namespaced by member: another member cannot swallow my reaction by reusing its id.
    if (await this.store.addReaction(roomId, `${member.memberId}:${p.id}`, pin)) this.batcher.add(roomId, pin);
    return { ...pin, count: 1 };
  }

  async mute(roomId: string, member: Member, p: ChatMutePayload): Promise<void> {
    requireModerator(member);
    const target = (await this.rooms.members(roomId)).find((m) => m.memberId === p.memberId);
    requireMutable(target, member);
    await this.store.setMuted(roomId, p.memberId, p.muted);
  }

  async clear(roomId: string, member: Member): Promise<void> {
    requireModerator(member);
    await this.store.clearMessages(roomId);
  }

  async history(roomId: string, branchId?: string): Promise<ChatHistory> {
    await this.rooms.room(roomId); // 404 for unknown rooms
    const [messages, muted, reactions] = await Promise.all([
      this.store.listMessages(roomId),
      this.store.listMuted(roomId),
      this.store.listReactions(roomId, branchId),
    ]);
    return { roomId, messages, muted, reactions };
  }

  private async allowed(roomId: string, member: Member, limiter: RateLimiterMemory, what: string): Promise<void> {
    if (await this.store.isMuted(roomId, member.memberId)) throw new AppError('FORBIDDEN', 'you are muted in this room');
    try {
      await limiter.consume(`${roomId}:${member.memberId}`);
    } catch {
      throw new AppError('RATE_LIMITED', `too many ${what}; slow down`);
    }
  }
}
