// Fetches by key for the client's worlds (SegmentWorld's segments, PartTail's parts): one request in flight per key
// (a second ask joins it), none again within RETRY_MS of a failure (a segment or part that is not there would
// otherwise be asked for at every frame), and every request made logged in `fetched` (tests and benchmarks read it).

const RETRY_MS = 1000;

export class KeyedFetches<K> {
  private readonly pending = new Map<K, Promise<void>>();
  private readonly failedAt = new Map<K, number>();
  /** Every request made, in order. */
  readonly fetched: K[] = [];

  constructor(
    private readonly now: () => number,
    private readonly onError?: (err: Error) => void,
  ) {}

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  has(key: K): boolean {
    return this.pending.has(key);
  }

  /**
   * `fetch` for `key` unless it is in flight (joined) or failed less than RETRY_MS ago (rejected at once). A failure
   * is reported (onError, and `failed` first) and rethrown; `settled` runs once the request is no longer in flight.
   */
  run(key: K, label: string, fetch: () => Promise<void>, failed?: (err: unknown) => void, settled?: () => void): Promise<void> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const at = this.failedAt.get(key);
    if (at !== undefined && this.now() - at < RETRY_MS) return Promise.reject(new Error(`${label} failed recently`));
    this.fetched.push(key);
    const p = fetch()
      .then(
        () => {
          this.failedAt.delete(key);
        },
        (err: unknown) => {
          this.failedAt.set(key, this.now());
          failed?.(err);
          const e = err instanceof Error ? err : new Error(String(err));
          this.onError?.(e);
          throw e;
        },
      )
      .finally(() => {
        this.pending.delete(key);
        settled?.();
      });
    this.pending.set(key, p);
    return p;
  }
}
