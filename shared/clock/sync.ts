import { positionAt, type PlaybackClock } from './playback.js';

// NTP-style offset estimation: each ping yields offset = serverTime - (t0 + t1) / 2 with round trip t1 - t0.
// Samples with the lowest round trips are the least disturbed by queueing, so the estimate is the
// median offset among the fastest half of recent samples.

export interface ClockSample {
  offset: number;
  rtt: number;
}

export class ClockSync {
  private samples: ClockSample[] = [];
  constructor(private readonly maxSamples = 16) {}

  /** Record a ping: local send time t0, server time ts, local receive time t1. */
  addSample(t0: number, serverTime: number, t1: number): ClockSample {
    const sample = { offset: serverTime - (t0 + t1) / 2, rtt: Math.max(0, t1 - t0) };
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
    return sample;
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** Estimated serverTime - localTime, ms. 0 before any sample. */
  get offset(): number {
    if (this.samples.length === 0) return 0;
    const fastest = [...this.samples].sort((a, b) => a.rtt - b.rtt).slice(0, Math.max(1, Math.ceil(this.samples.length / 2)));
    const offsets = fastest.map((s) => s.offset).sort((a, b) => a - b);
    const mid = offsets.length >> 1;
    return offsets.length % 2 ? offsets[mid] : (offsets[mid - 1] + offsets[mid]) / 2;
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
