/**
 * A counting semaphore: at most `limit` holders, the rest wait in FIFO order (the compile queue). Each holder may
 * declare the bytes it will need; past the first holder, one more is let in only while `fits(bytes reserved by the
 * holders + its own)` (a memory budget: two large compiles at once can overrun a capped heap). A lone holder always
 * runs, so the queue never stalls.
 */
export class Gate {
  private held = 0;
  private reserved = 0;
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

  private admits(bytes: number): boolean {
    return this.held === 0 || (this.held < this.limit && this.fits(this.reserved + bytes));
  }

  /** Resolves with a release function once a slot is free (and, with others running, the bytes fit). */
  acquire(bytes = 0): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.held++;
        this.reserved += bytes;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.held--;
          this.reserved -= bytes;
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
