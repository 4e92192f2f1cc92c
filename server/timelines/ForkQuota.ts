import { AppError } from '../errors.js';

// Pending forks (compiling or queued) are limited per room, per client address and in total, so one room or
// one address cannot fill the compile queue. Past a limit the fork is refused with RATE_LIMITED, and the
// message says when a slot should be free (from how long forks have been taking).

export interface ForkLimits {
  perRoom: number;
  perAddress: number;
  total: number;
}

export const DEFAULT_FORK_LIMITS: ForkLimits = { perRoom: 4, perAddress: 4, total: 8 };

interface Pending {
  roomId: string;
  address: string;
  startedAt: number;
}

export class ForkQuota {
  private readonly pending = new Set<Pending>();
  /** Moving average of how long a fork stays pending (ms). */
  private typicalMs = 2000;

  constructor(
    readonly limits: ForkLimits = DEFAULT_FORK_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Take a slot, or throw RATE_LIMITED naming when to retry. The returned release is idempotent. */
  acquire(roomId: string, address: string): () => void {
    const all = [...this.pending];
    const inRoom = all.filter((p) => p.roomId === roomId);
    const fromAddress = all.filter((p) => p.address === address);
    const full =
      (all.length >= this.limits.total && { what: 'forks are compiling on this server', of: all }) ||
      (inRoom.length >= this.limits.perRoom && { what: 'forks are compiling for this room', of: inRoom }) ||
      (fromAddress.length >= this.limits.perAddress && { what: 'of your forks are compiling', of: fromAddress });
    if (full) {
      const t = this.now();
      const oldest = Math.min(...full.of.map((p) => p.startedAt));
      const retryMs = Math.max(250, Math.min(60_000, Math.round(this.typicalMs - (t - oldest))));
      const when = `retry in ${(retryMs / 1000).toFixed(1)} s (retryAfterMs=${retryMs})`;
      throw new AppError('RATE_LIMITED', `${full.of.length} ${full.what}; ${when}`);
    }
    const entry: Pending = { roomId, address, startedAt: this.now() };
    this.pending.add(entry);
    return () => {
      if (!this.pending.delete(entry)) return;
      this.typicalMs = 0.8 * this.typicalMs + 0.2 * (this.now() - entry.startedAt);
    };
  }
}
