// One socket's command budget: a fixed window of `points` per `windowMs`, checked synchronously so that
// refusing a flood costs a comparison, not a promise. A socket lives on one process, so no shared store
// is needed (the shared, per-address budgets are in AddressLimiter). A socket refused without a pause for
// `floodMs` is a flood: the caller disconnects it.

export type Verdict = 'ok' | 'refused' | 'flood';

export class SocketBudget {
  private windowStart = -Infinity;
  private used = 0;
  private refusingSince: number | null = null;
  private lastRefusal = -Infinity;

  constructor(
    private readonly points: number,
    private readonly windowMs: number,
    private readonly floodMs: number,
  ) {}

  take(now: number): Verdict {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.points) {
      this.used++;
      // A whole quiet window since the last refusal ends the streak (a burst now and then is not a flood).
      if (this.refusingSince !== null && now - this.lastRefusal > this.windowMs) this.refusingSince = null;
      return 'ok';
    }
    this.refusingSince ??= now;
    this.lastRefusal = now;
    return now - this.refusingSince >= this.floodMs ? 'flood' : 'refused';
  }
}
