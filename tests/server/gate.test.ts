import { describe, expect, it } from 'vitest';
import { Gate } from '../../server/timelines/Gate.js';

// The compile queue: a bounded number of compiles, FIFO, and past the first one only those whose bytes fit.

describe('Gate', () => {
  it('lets a lone holder in whatever its bytes; a second one only if the reserved bytes fit; FIFO', async () => {
    const budget = 100;
    const gate = new Gate(2, (bytes) => bytes <= budget);
    const order: string[] = [];
    const big = await gate.acquire(80); // alone: always runs, even past the budget
    const noted = (name: string) => (release: () => void) => {
      order.push(name);
      return release;
    };
    const other = gate.acquire(80).then(noted('other')); // 160 > 100: waits
    const small = gate.acquire(10).then(noted('small')); // fits, but waits its turn (FIFO)
    await Promise.resolve();
    expect([gate.running, gate.waiting]).toEqual([1, 2]);
    big(); // the first waiter now runs alone, and the small one fits beside it (90 <= 100)
    const [releaseOther, releaseSmall] = await Promise.all([other, small]);
    expect(order).toEqual(['other', 'small']);
    expect([gate.running, gate.waiting]).toEqual([2, 0]);
    releaseOther();
    releaseSmall();
    releaseSmall(); // a second release is a no-op
    expect(gate.running).toBe(0);
  });

  it('never exceeds its limit even when everything fits', async () => {
    const gate = new Gate(2);
    const a = await gate.acquire();
    await gate.acquire();
    let third = false;
    void gate.acquire().then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    a();
    await Promise.resolve();
    expect(third).toBe(true);
  });

  it('peakBytes: the most its holders and waiters can hold at once (the `limit` largest), until they are done', async () => {
    const gate = new Gate(2);
    expect(gate.peakBytes()).toBe(0);
    const a = await gate.acquire(10);
    const b = await gate.acquire(20);
    const waiting = gate.acquire(50); // may start beside b once a is done
    void gate.acquire(5);
    expect(gate.peakBytes()).toBe(70);
    a();
    const c = await waiting;
    expect(gate.peakBytes()).toBe(70);
    b();
    c();
    expect(gate.peakBytes()).toBe(5);
    expect(new Gate(1).peakBytes()).toBe(0);
  });
});
