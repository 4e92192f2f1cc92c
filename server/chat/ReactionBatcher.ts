import type { ReactionBatch, ReactionCount } from '../../shared/protocol/events.js';
import { mergeReactions } from './chat.js';
import type { PinnedReaction } from './store.js';

// Reactions from many viewers at once become one `chat:reaction` batch per room per window: the first
// reaction of a quiet room opens a window, everything until it closes is summed into one broadcast.
// So 1,000 viewers reacting together cost a handful of broadcasts, not 1,000 (tests/bench/reactions.ts).

export class ReactionBatcher {
  private pending = new Map<string, Map<string, ReactionCount>>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly send: (roomId: string, batch: ReactionBatch) => void,
    private readonly windowMs = 200,
  ) {}

  add(roomId: string, r: PinnedReaction): void {
    let m = this.pending.get(roomId);
    if (!m) this.pending.set(roomId, (m = new Map()));
    mergeReactions(m, r);
    if (!this.timers.has(roomId)) {
      const t = setTimeout(() => this.flush(roomId), this.windowMs);
      t.unref?.();
      this.timers.set(roomId, t);
    }
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pending.clear();
  }

  private flush(roomId: string): void {
    this.timers.delete(roomId);
    const m = this.pending.get(roomId);
    this.pending.delete(roomId);
    if (m?.size) this.send(roomId, { reactions: [...m.values()] });
  }
}
