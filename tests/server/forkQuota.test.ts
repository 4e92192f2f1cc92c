import { describe, expect, it } from 'vitest';
import { AppError } from '../../server/errors.js';
import { ForkQuota } from '../../server/timelines/ForkQuota.js';

// The retry time a RATE_LIMITED fork names (ForkQuota): from the pace at which slots free up, not from how long
// forks stay pending, which (queue wait included) put every retry at the 250 ms floor once the queue was saturated.

/** The retryAfterMs a refused acquire names. */
function refusal(q: ForkQuota, roomId: string, address: string): number {
  try {
    q.acquire(roomId, address);
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'RATE_LIMITED') throw err;
    return Number(/retryAfterMs=(\d+)/.exec(err.message)?.[1]);
  }
  throw new Error('not refused');
}

describe('ForkQuota retry time', () => {
  it('a saturated queue that frees a slot every 10 s names the time to the next free slot', () => {
    let now = 0;
    const q = new ForkQuota({ perRoom: 8, perAddress: 8, total: 3 }, () => now);
    // Three forks queue at once; the compile worker finishes one every 10 s (each waited for those before it).
    const releases = ['a', 'b', 'c'].map((r) => q.acquire(r, r));
    for (const [i, release] of releases.entries()) {
      now = (i + 1) * 10_000;
      release();
      q.acquire(`r${i}`, `r${i}`); // the freed slot is taken at once
    }
    now += 5_000; // 5 s after the last release: the next slot is ~5 s away
    expect(refusal(q, 'x', 'x')).toBeGreaterThanOrEqual(4_000);
    expect(refusal(q, 'x', 'x')).toBeLessThanOrEqual(6_000);
    now += 20_000; // overdue: a quarter of the pace, not the floor
    expect(refusal(q, 'x', 'x')).toBe(2_500);
  });

  it('a room whose oldest fork has others ahead of it waits for as many slots', () => {
    let now = 0;
    const q = new ForkQuota({ perRoom: 1, perAddress: 8, total: 8 }, () => now);
    const first = q.acquire('a', 'a');
    now = 10_000;
    first(); // pace: 10 s
    q.acquire('b', 'b');
    q.acquire('c', 'c');
    q.acquire('room', 'room'); // third in line
    expect(refusal(q, 'room', 'room')).toBe(30_000);
  });

  it('before any fork finished, a queue older than the typical time backs off by a quarter of its age', () => {
    let now = 0;
    const q = new ForkQuota({ perRoom: 8, perAddress: 8, total: 1 }, () => now);
    q.acquire('a', 'a');
    now = 40_000; // the first fork still compiling after 40 s (a large battle on a loaded machine)
    expect(refusal(q, 'b', 'b')).toBe(10_000);
  });
});
