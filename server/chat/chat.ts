import { clampPosition } from '../../shared/clock/playback.js';
import { type ChatMessage, type Member, REACTION_BUCKET_MS, type ReactionCount } from '../../shared/protocol/events.js';
import type { ChatSendPayload, ReactionSymbol } from '../../shared/protocol/schemas.js';
import { require } from '../rooms/access.js';
import type { PinnedReaction } from './store.js';

// Chat and reaction rules. Pure: values in, values out (or FORBIDDEN).

export function newMessage(member: Member, p: ChatSendPayload, at: number, branchId: string, positionMs: number): ChatMessage {
  return {
    id: p.id,
    authorId: member.memberId,
    author: member.name,
    role: member.role,
    text: p.text,
    at,
    branchId,
    positionMs: Math.round(positionMs),
  };
}

/** A reaction is pinned to the bucket of its playback moment on the room's branch (clamped to the timeline). */
export function pinReaction(branchId: string, positionMs: number, durationMs: number, symbol: ReactionSymbol): PinnedReaction {
  const pos = clampPosition(positionMs, durationMs);
  return { branchId, positionMs: Math.floor(pos / REACTION_BUCKET_MS) * REACTION_BUCKET_MS, symbol };
}

export function requireModerator(member: Member): void {
  require(member.role === 'instructor', 'only the instructor moderates the chat');
}

/** Instructors cannot be muted (they hold the room key; a co-instructor muting another helps no one). */
export function requireMutable(target: Member | undefined, self: Member): Member {
  require(!!target, 'no such member in this room');
  require(target!.role !== 'instructor' && target!.memberId !== self.memberId, 'an instructor cannot be muted');
  return target!;
}

/** Sum counts of the same (branch, bucket, symbol): the coalesced batch. */
export function mergeReactions(into: Map<string, ReactionCount>, r: PinnedReaction, n = 1): void {
  const key = `${r.symbol}|${r.positionMs}|${r.branchId}`;
  const cur = into.get(key);
  if (cur) cur.count += n;
  else into.set(key, { ...r, count: n });
}
