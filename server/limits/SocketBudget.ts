// One socket's command budget: a fixed window of `points` per `windowMs`, checked synchronously so that
// refusing a flood costs a comparison, not a promise. A socket lives on one process, so no shared store
// is needed (the shared, per-address budgets are in AddressLimiter). A socket refused in every window for
// `floodMs`, or refused more than `burstRefusals` times within one window after a window already refused, is a
// flood: the caller disconnects it. A burst in ONE window is never a flood by itself, however large: a well-behaved
// client's backlog arrives that way (socket.io-client sends every command it buffered while disconnected at once
// after the reconnect, up to their 10 s ack timeouts), and it stops there. A flooder keeps sending: its second
// window's held read brings hundreds again, past FLOOD_BURST, and it is cut then (about one window later).

export type Verdict = 'ok' | 'refused' | 'flood';

export class SocketBudget {
  private windowStart = -Infinity;
  private used = 0;
  private refusingSince: number | null = null;
  private lastRefusal = -Infinity;
  private refusedInWindow = 0;

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
    private readonly floodMs: number,
    private readonly burstRefusals = Infinity,
  ) {}

  /** Refusals in the current window so far. */
  get refusals(): number {
    return this.refusedInWindow;
  }

  /**
   * Is the socket past its budget and past `answered` refusals in the current window? Then further messages of
   * the window can be dropped before they are even decoded (they would be refused unanswered anyway).
   */
  shedding(now: number, answered: number): boolean {
    return now - this.windowStart < this.windowMs && this.used >= this.points && this.refusedInWindow >= answered;
  }

  /** Ms until the current window ends (when a refused socket may send again). */
  windowLeft(now: number): number {
    return Math.max(0, this.windowStart + this.windowMs - now);
  }

  take(now: number): Verdict {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
      this.refusedInWindow = 0;
    }
    if (this.used < this.points) {
      this.used++;
      // A whole window without a refusal ends the streak (a burst now and then is not a flood). A flooder whose
      // reads are held is refused about once per window, so the gap between its refusals is one window and a bit.
      if (this.refusingSince !== null && now - this.lastRefusal > 2 * this.windowMs) this.refusingSince = null;
      return 'ok';
    }
    // The same rule as above for a socket that was silent since its last refusal: a new streak, not the old one's.
    if (this.refusingSince === null || now - this.lastRefusal > 2 * this.windowMs) this.refusingSince = now;
    this.lastRefusal = now;
    this.refusedInWindow++;
    const sustained = now - this.refusingSince >= this.floodMs;
    const burst = this.refusedInWindow > this.burstRefusals && this.refusingSince < this.windowStart;
    return sustained || burst ? 'flood' : 'refused';
  }
}
