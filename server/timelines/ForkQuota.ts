import { AppError } from '../errors.js';

// Pending forks (compiling or queued) are limited per room, per client address and in total, so one room or
// one address cannot fill the compile queue. Past a limit the fork is refused with RATE_LIMITED, and the
// message says when a slot should be free: from how often slots have been freed (the compile queue's pace), as
// many slots ahead as the refused group needs, else from how long forks have been taking.

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
  /**
   * Moving average of the time between two releases while forks were pending (ms; 0 until measured): the pace at
   * which slots free up. Queued forks wait for each other (one large compile at a time), so a slot frees every
   * compile, not `typicalMs` (queue wait included) after the oldest started: that estimate fell to the 250 ms floor
   * once the oldest was older than the average, and a saturated queue was polled 2-4 times a second per room
   * (forkload: 1,145 refusals for one fork).
   */
  private intervalMs = 0;
  private lastReleaseAt: number | null = null;

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
      const retryMs = Math.max(250, Math.min(60_000, Math.round(this.retryEstimate(t, oldest, all))));
      const when = `retry in ${(retryMs / 1000).toFixed(1)} s (retryAfterMs=${retryMs})`;
      throw new AppError('RATE_LIMITED', `${full.of.length} ${full.what}; ${when}`);
    }
    const entry: Pending = { roomId, address, startedAt: this.now() };
    this.pending.add(entry);
    return () => {
      if (!this.pending.delete(entry)) return;
      const t = this.now();
      this.typicalMs = 0.8 * this.typicalMs + 0.2 * (t - entry.startedAt);
      // The gap since the previous release, or since this fork started if the queue was idle meanwhile.
      const gap = t - Math.max(this.lastReleaseAt ?? entry.startedAt, entry.startedAt);
      this.intervalMs = this.intervalMs === 0 ? gap : 0.8 * this.intervalMs + 0.2 * gap;
      this.lastReleaseAt = t;
    };
  }

  /**
   * When a slot of the full group should be free (ms from now). Slots free at the queue's pace: the group's oldest
   * fork is done after the forks pending since before it (about first in, first out), so `ahead` releases from the
   * last one. Once overdue, a quarter of the pace (a refusal costs the server a little; the queue stays busy).
   * Before any fork finished, the typical time if the oldest is younger, else a quarter of the oldest's age.
   */
  private retryEstimate(t: number, oldest: number, all: Pending[]): number {
    // No fork finished yet: how long forks take is unknown past the oldest's age; back off by a quarter of it.
    if (this.intervalMs === 0 || this.lastReleaseAt === null) return Math.max(this.typicalMs - (t - oldest), (t - oldest) / 4);
    const ahead = all.filter((p) => p.startedAt <= oldest).length;
    return Math.max(this.intervalMs / 4, ahead * this.intervalMs - (t - this.lastReleaseAt));
  }
}
