import type { ChatMessage, ReactionCount } from '../../shared/protocol/events.js';
import type { ReactionSymbol } from '../../shared/protocol/schemas.js';

// Persistence for a room's chat, mutes and reaction counts: a small interface of its own (not the big
// Store), with an in-memory and a Redis implementation run through one contract suite
// (tests/server/together.contract.test.ts).

export interface PinnedReaction {
  branchId: string;
  /** Bucket start (REACTION_BUCKET_MS). */
  positionMs: number;
  symbol: ReactionSymbol;
}

export interface ChatStore {
  /** Idempotent by (roomId, message.id): a retry returns the stored message with created=false. Keeps the last `keep`. */
  addMessage(roomId: string, message: ChatMessage, keep: number): Promise<{ created: boolean; message: ChatMessage }>;
  /** Oldest first. */
  listMessages(roomId: string): Promise<ChatMessage[]>;
  clearMessages(roomId: string): Promise<void>;
  setMuted(roomId: string, memberId: string, muted: boolean): Promise<void>;
  isMuted(roomId: string, memberId: string): Promise<boolean>;
  listMuted(roomId: string): Promise<string[]>;
  /** Count one reaction; false (nothing counted) when this id was already counted: a retry. */
  addReaction(roomId: string, id: string, r: PinnedReaction): Promise<boolean>;
  /** Counts, ordered by branch, positionMs, symbol; one branch only when given. */
  listReactions(roomId: string, branchId?: string): Promise<ReactionCount[]>;
  close(): Promise<void>;
}

/** How long a message or reaction id is remembered for dedup (retries come within seconds). */
export const DEDUP_TTL_MS = 60 * 60_000;

export const reactionField = (r: PinnedReaction): string => `${r.symbol}|${r.positionMs}|${r.branchId}`;

export function parseReactionField(field: string, count: number): ReactionCount | null {
  const [symbol, pos, ...rest] = field.split('|');
  const positionMs = Number(pos);
  if (!symbol || !rest.length || !Number.isFinite(positionMs)) return null;
  return { branchId: rest.join('|'), positionMs, symbol: symbol as ReactionSymbol, count };
}

export function sortReactions(list: ReactionCount[]): ReactionCount[] {
  return list.sort((a, b) => a.branchId.localeCompare(b.branchId) || a.positionMs - b.positionMs || a.symbol.localeCompare(b.symbol));
}
