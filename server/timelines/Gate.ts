/**
 * A counting semaphore: at most `limit` holders, the rest wait in FIFO order (the compile queue). Each holder may
 * declare the bytes it will need; past the first holder, one more is let in only while `fits(bytes reserved by the
 * holders + its own)` (a memory budget: two large compiles at once can overrun a capped heap). A lone holder always
 * runs, so the queue never stalls.
 */
export class Gate {
  private held = 0;
  private reserved = 0;
  /** The bytes of each holder (one entry per holder). */
  private readonly holding: number[] = [];
  private readonly queue: { bytes: number; grant: () => void }[] = [];

  constructor(
    readonly limit: number,
    private readonly fits: (bytes: number) => boolean = () => true,
  ) {}

  get running(): number {
    return this.held;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Whether an acquire of `bytes` now would wait (a slot taken, the bytes not fitting, or others queued first). */
  wouldWait(bytes = 0): boolean {
    return this.queue.length > 0 || !this.admits(bytes);
  }

  /**
   * The most bytes held at once from now until a compile asking now gets its turn: its turn comes after those holding
   * and those waiting (FIFO), and at most `limit` of them hold at once, so the `limit` largest. (With one slot, the
   * largest; with more, a large waiter may start beside a holder: those holding now can understate it.)
   */
  peakBytes(): number {
    const all = [...this.holding, ...this.queue.map((w) => w.bytes)].sort((a, b) => b - a);
    return all.slice(0, this.limit).reduce((sum, b) => sum + b, 0);
  }

  private admits(bytes: number): boolean {
    return this.held === 0 || (this.held < this.limit && this.fits(this.reserved + bytes));
  }

  /** Resolves with a release function once a slot is free (and, with others running, the bytes fit). */
  acquire(bytes = 0): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held++;
        this.reserved += bytes;
        this.holding.push(bytes);
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.reserved -= bytes;
          this.holding.splice(this.holding.indexOf(bytes), 1);
          this.next();
        });
      };
      if (this.queue.length === 0 && this.admits(bytes)) grant();
      else this.queue.push({ bytes, grant });
    });
  }

  private next(): void {
    while (this.queue.length > 0 && this.admits(this.queue[0].bytes)) this.queue.shift()!.grant();
  }
}
