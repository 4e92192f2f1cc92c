import { describe, expect, it } from 'vitest';
import { ClockSync } from '../../shared/clock/sync.js';

// The one clock sampling policy (shared/clock/sync.ts), as the room client uses it.

describe('ClockSync policy', () => {
  it('ignores slow samples: only those within twice the fastest round trip count', () => {
    const s = new ClockSync();
    s.addSample(0, 1_000 + 10, 20); // rtt 20, offset 1000
    s.addSample(100, 1_100 + 400, 900); // rtt 800, offset 1000 (but queueing skews it: server answered late)
    s.addSample(200, 1_200 + 11, 222); // rtt 22, offset 1000
    s.addSample(300, 5_000, 1_300); // rtt 1000, offset 4200: a wild outlier
    expect(s.offset).toBe(1_000);
    expect(s.rtt).toBe(20);
  });

  it('uses at most `best` of the fastest samples, and forgets beyond maxSamples', () => {
    const s = new ClockSync(6, 3);
    // Offsets 100..600 with rtts 10, 11, 12, 13, 14, 15: the best three (100, 200, 300) -> median 200.
    for (let i = 0; i < 6; i++) s.addSample(0, 100 * (i + 1) + (10 + i) / 2, 10 + i);
    expect(s.offset).toBe(200);
    // A seventh sample pushes the oldest (fastest) out.
    s.addSample(0, 700 + 5, 10);
    expect(s.sampleCount).toBe(6);
    expect(s.offset).toBe(300); // rtts 10 (700), 11 (200), 12 (300) -> median 300
  });

  it('a later, quieter sample wins over join-time congestion', () => {
    const s = new ClockSync();
    for (let i = 0; i < 8; i++) s.addSample(i * 100, i * 100 + 250 + 150, i * 100 + 300); // rtt 300, offset 250
    expect(s.offset).toBe(250);
    s.addSample(5_000, 5_000 + 200 + 10, 5_020); // rtt 20, offset 200: the truth, measured calmly
    expect(s.offset).toBe(200);
  });
});
