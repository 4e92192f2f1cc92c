import { describe, expect, it } from 'vitest';
import {
  initialClock,
  pause,
  play,
  positionAt,
  seek,
  serverTimeAtPosition,
  setRate,
  withDuration,
  MAX_RATE,
  MIN_RATE,
} from '../../shared/clock/playback.js';
import { ClockSync } from '../../shared/clock/sync.js';

describe('playback clock math', () => {
  const c0 = initialClock(60_000, 1_000);

  it('starts paused at 0 and advances only while playing', () => {
    expect(positionAt(c0, 50_000)).toBe(0);
    const p = play(c0, 2_000);
    expect(p.state).toBe('playing');
    expect(positionAt(p, 3_500)).toBe(1_500);
    const q = pause(p, 4_000);
    expect(q.positionMs).toBe(2_000);
    expect(positionAt(q, 99_000)).toBe(2_000);
    expect(q.version).toBeGreaterThan(p.version);
  });

  it('rate scales the advance and is clamped', () => {
    const p = setRate(play(c0, 0), 1_000, 4);
    expect(positionAt(p, 2_000)).toBe(1_000 + 4_000);
    expect(setRate(c0, 0, 100).rate).toBe(MAX_RATE);
    expect(setRate(c0, 0, 0.01).rate).toBe(MIN_RATE);
  });

  it('seek clamps to the duration; play at the end restarts', () => {
    expect(seek(c0, 0, 99_999).positionMs).toBe(60_000);
    expect(seek(c0, 0, -5).positionMs).toBe(0);
    const end = seek(c0, 0, 60_000);
    expect(play(end, 10).positionMs).toBe(0);
    const p = play(seek(c0, 0, 59_000), 0);
    expect(positionAt(p, 5_000)).toBe(60_000);
  });

  it('knows when a playing clock reaches a position', () => {
    const p = setRate(play(c0, 1_000), 1_000, 2);
    expect(serverTimeAtPosition(p, 10_000)).toBe(1_000 + 5_000);
    expect(serverTimeAtPosition(c0, 10_000)).toBe(Infinity);
    expect(serverTimeAtPosition(p, -1)).toBe(Infinity);
  });

  it('withDuration keeps a playing clock playing at the clamped position', () => {
    const p = play(seek(c0, 0, 50_000), 0);
    const w = withDuration(p, 0, 30_000, 50_000);
    expect(w.state).toBe('playing');
    expect(w.positionMs).toBe(30_000);
    expect(w.durationMs).toBe(30_000);
  });
});

describe('clock sync', () => {
  it('estimates the offset as the median of the fastest half of samples', () => {
    const s = new ClockSync(16);
    expect(s.offset).toBe(0);
    // True offset 500 ms; fast pings are symmetric, slow ones are skewed by queueing on one leg.
    s.addSample(1_000, 1_510, 1_020); // rtt 20, offset 500
    s.addSample(2_000, 2_508, 2_016); // rtt 16, offset 500
    s.addSample(3_000, 3_512, 3_024); // rtt 24, offset 500
    s.addSample(4_000, 4_900, 4_400); // rtt 400, offset 700 (slow outlier)
    s.addSample(5_000, 5_050, 5_600); // rtt 600, offset -250 (slow outlier)
    s.addSample(6_000, 6_511, 6_022); // rtt 22, offset 500
    expect(s.offset).toBe(500);
    expect(s.rtt).toBe(16);
    expect(s.serverNow(10_000)).toBe(10_500);
  });

  it('keeps only the most recent samples and uses positionNow with the offset', () => {
    const s = new ClockSync(4);
    for (let i = 0; i < 10; i++) s.addSample(i * 1000, i * 1000 + 100 + 5, i * 1000 + 10);
    expect(s.sampleCount).toBe(4);
    expect(s.offset).toBe(100);
    const clock = { ...initialClock(60_000, 0), state: 'playing' as const, positionMs: 0, serverTime: 1_000 };
    expect(s.positionNow(clock, 1_900)).toBe(1_000);
  });

  it('averages the two middle offsets for an even count of equally fast samples', () => {
    const s = new ClockSync(8);
    s.addSample(0, 110, 20); // offset 100
    s.addSample(0, 130, 20); // offset 120
    expect(s.offset).toBe(110);
    s.addSample(0, 150, 20); // offset 140
    s.addSample(0, 170, 20); // offset 160
    expect(s.offset).toBe(130);
  });
});
