import type { ChatHistory, ChatMessage, ReactionCount } from '../../../../shared/protocol/events.js';
import type { ReactionSymbol } from '../../../../shared/protocol/schemas.js';

// What the chat panel shows: the kept messages (history merged with live ones, by id), who is muted,
// and reaction counts per branch and moment (for bursts when playback passes them again).

const KEEP = 200;

export class ChatModel {
  messages: ChatMessage[] = [];
  muted = new Set<string>();
  /** branchId -> bucket positionMs -> symbol -> count */
  private reactions = new Map<string, Map<number, Map<ReactionSymbol, number>>>();

  /** A (re)join's history replaces ours; `live` messages that arrived while it was fetched are kept. */
  takeHistory(h: ChatHistory, live: readonly ChatMessage[]): void {
    const ids = new Set(h.messages.map((m) => m.id));
    live = live.filter((m) => !ids.has(m.id));
    this.messages = [...h.messages, ...live].slice(-KEEP);
    this.muted = new Set(h.muted);
    this.reactions.clear();
    for (const r of h.reactions) this.addReaction(r);
  }

  addMessage(m: ChatMessage): boolean {
    if (this.messages.some((x) => x.id === m.id)) return false;
    this.messages.push(m);
    if (this.messages.length > KEEP) this.messages.shift();
    return true;
  }

  clear(): void {
    this.messages = [];
  }

  addReaction(r: ReactionCount): void {
    let b = this.reactions.get(r.branchId);
    if (!b) this.reactions.set(r.branchId, (b = new Map()));
    let m = b.get(r.positionMs);
    if (!m) b.set(r.positionMs, (m = new Map()));
    m.set(r.symbol, (m.get(r.symbol) ?? 0) + r.count);
  }

  /** Reactions pinned in (fromMs, toMs] on a branch: what a viewer passing that stretch should see burst. */
  reactionsBetween(branchId: string, fromMs: number, toMs: number): ReactionCount[] {
    const out: ReactionCount[] = [];
    for (const [pos, m] of this.reactions.get(branchId) ?? []) {
      if (pos > fromMs && pos <= toMs) for (const [symbol, count] of m) out.push({ branchId, positionMs: pos, symbol, count });
    }
    return out;
  }

  totalReactions(branchId: string): number {
    let n = 0;
    for (const m of this.reactions.get(branchId)?.values() ?? []) for (const c of m.values()) n += c;
    return n;
  }
}

/** Message ids: crypto.randomUUID is missing on plain-http LAN origins. */
export function newId(prefix: string): string {
  const rnd =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID().replace(/-/g, '')
      : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${rnd}`.slice(0, 64);
}
