import type { BranchManifest } from '../../shared/battle/segments.js';

// A compiling branch's manifest, polled until complete, one request at a time. A long-poll (a source following
// parts: `after` = the compiledMs held, the server answers once the branch compiled past it, within ~4 s) starts at
// most once per period, so a quick answer is not followed by another at once; a plain poll waits the period after
// each answer. stop() aborts the request in flight: a long-poll would otherwise hold a connection (and the server's
// wait) for up to ~4 s after its branch was left.

export interface ManifestPollOptions {
  periodMs: number;
  longPoll: boolean;
  now: () => number;
  get: (after: number | undefined, signal: AbortSignal) => Promise<BranchManifest>;
  /** An answer (the poller goes on only when asked again: schedule). */
  onAnswer: (m: BranchManifest) => void;
  onError: (err: Error) => void;
}

export class ManifestPoll {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: AbortController | null = null;
  private lastAt = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(private readonly o: ManifestPollOptions) {}

  /** Poll after `held` (the manifest held now), unless it is complete or a poll is already due or in flight. */
  schedule(held: () => BranchManifest | null): void {
    const m = held();
    if (!m || m.complete || this.stopped || this.timer || this.inFlight) return;
    const wait = this.o.longPoll ? Math.max(0, this.lastAt + this.o.periodMs - this.o.now()) : this.o.periodMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = held();
      if (this.stopped || !now || now.complete) return;
      const ac = new AbortController();
      this.inFlight = ac;
      this.lastAt = this.o.now();
      this.o.get(this.o.longPoll ? now.compiledMs : undefined, ac.signal).then(
        (next) => {
          this.inFlight = null;
          if (!this.stopped) this.o.onAnswer(next);
        },
        (err: unknown) => {
          this.inFlight = null;
          if (this.stopped) return; // aborted by stop(): not an error
          this.o.onError(err instanceof Error ? err : new Error(String(err)));
          this.schedule(held); // keep polling
        },
      );
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight?.abort();
  }
}
