// Addresses whose socket was cut off for flooding, refused a new socket for a while: a flooder that reconnects
// (by hand: socket.io clients do not after a server-side cut) is turned away in socket.io's `allowRequest`,
// before engine.io's handshake, instead of getting a fresh budget to spend every time. Per process: a flooder
// that reconnects to another process behind the balancer is cut off there by its own budget within a window.

export class FloodCooldown {
  private readonly until = new Map<string, number>();

  /** `maxAddresses` bounds the map (a flood of cut-offs from many addresses must not grow it without end). */
  constructor(
    private readonly ms: number,
    private readonly maxAddresses = 10_000,
  ) {}

  /** `address` was just cut off at `now`. */
  add(address: string, now: number): void {
    if (this.ms <= 0) return;
    if (this.until.size >= this.maxAddresses) this.prune(now);
    this.until.delete(address); // re-inserted last: the map stays in expiry order
    this.until.set(address, now + this.ms);
  }

  /** Ms `address` must still wait (0: welcome). */
  waitMs(address: string, now: number): number {
    const t = this.until.get(address);
    if (t === undefined) return 0;
    if (t > now) return t - now;
    this.until.delete(address);
    return 0;
  }

  private prune(now: number): void {
    // Insertion order is expiry order (one fixed cool-down): drop the expired, then the oldest if still full.
    for (const [a, t] of this.until) {
      if (t > now && this.until.size < this.maxAddresses) break;
      this.until.delete(a);
    }
  }
}
