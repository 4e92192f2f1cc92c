import { positionAt, type PlaybackClock } from './playback.js';

// NTP-style offset estimation: each ping yields offset = serverTime - (t0 + t1) / 2 with round trip t1 - t0.
// A sample's offset error is bounded by half its round trip, and queueing (a busy server, a busy tab)
// only ever adds to a round trip. So the one sampling policy: keep the most recent `maxSamples` pings;
// estimate from the fastest few (at most `best`) whose round trip is within twice the fastest one's
// (a slow sample would drag the median); the offset is their median.

export interface ClockSample {
  offset: number;
  rtt: number;
}

export class ClockSync {
  private samples: ClockSample[] = [];
  private cached: number | null = null;
  constructor(
    private readonly maxSamples = 32,
    private readonly best = 5,
  ) {}

  /** Record a ping: local send time t0, server time ts, local receive time t1. */
  addSample(t0: number, serverTime: number, t1: number): ClockSample {
    const sample = { offset: serverTime - (t0 + t1) / 2, rtt: Math.max(0, t1 - t0) };
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    this.cached = null;
    return sample;
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** Estimated serverTime - localTime, ms. 0 before any sample. Read every frame: computed once per sample. */
  get offset(): number {
    if (this.samples.length === 0) return 0;
    if (this.cached !== null) return this.cached;
    const sorted = [...this.samples].sort((a, b) => a.rtt - b.rtt); // stable: ties keep arrival order
    const limit = sorted[0].rtt * 2 + 1;
    const offsets = sorted
      .filter((s) => s.rtt <= limit)
      .slice(0, this.best)
      .map((s) => s.offset)
      .sort((a, b) => a - b);
    const mid = offsets.length >> 1;
    this.cached = offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
    return this.cached;
  }

  get rtt(): number {
    if (this.samples.length === 0) return 0;
    return Math.min(...this.samples.map((s) => s.rtt));
  }

  serverNow(localNow: number): number {
    return localNow + this.offset;
  }

  /** Shared playback position at local time localNow. */
  positionNow(clock: PlaybackClock, localNow: number): number {
    return positionAt(clock, this.serverNow(localNow));
  }
}
