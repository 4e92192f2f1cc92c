import { afterEach, describe, expect, it } from 'vitest';
import type { SegmentPayload } from '../../shared/battle/segments.js';
import { createApi } from '../../client/src/api.js';
import { MoveView } from '../../client/src/segments/movePack.js';
import { segmentReplies } from '../../client/src/segments/segmentReplies.js';
import type { SegmentGet, SegmentReply } from '../../client/src/segments/segmentWire.js';
import { WorkerSegments } from '../../client/src/segments/workerSegments.js';
import { buildFixtureTimeline } from '../server/fixtures/timeline.js';
import { MemorySegmentSource } from './segmentSource.js';

// The page's side of the segment worker (client/src/segments/workerSegments.ts) assembling what the worker posts
// (segmentReplies.ts, the worker's own code): a segment with moves and other events, one without moves, one of moves
// only, and two requests whose replies interleave, each delivered equal to the segment fetched. Only the transport is
// a stand-in (Node has no Worker): each posted reply reaches the page as a message, in the worker's order. The real
// worker, in Chromium, is exercised by tests/e2e/bigWorld.test.ts and segments.test.ts.

const tl = buildFixtureTimeline();
const src = new MemorySegmentSource(tl);

/** Segment index -> what the worker would fetch. */
const served = new Map<number, SegmentPayload>();

class StandInWorker {
  onmessage: ((e: { data: SegmentReply }) => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly queues: SegmentReply[][] = [];

  postMessage(get: SegmentGet): void {
    const seg = served.get(get.index);
    if (!seg) throw new Error(`no segment ${get.index}`);
    this.queues.push(segmentReplies(get.id, structuredClone(seg)).map((p) => p.reply));
    // Replies of requests in flight interleave, one message of each in turn.
    if (this.queues.length === 1)
      setTimeout(() => {
        while (this.queues.some((q) => q.length > 0))
          for (const q of this.queues) {
            const reply = q.shift();
            if (reply) this.onmessage?.({ data: reply });
          }
        this.queues.length = 0;
      }, 0);
  }

  terminate(): void {}
}

const g = globalThis as { Worker?: unknown };
afterEach(() => {
  delete g.Worker;
  served.clear();
});

describe('WorkerSegments assembling the segment worker’s replies', () => {
  it('delivers each segment as fetched: moves and other events, no moves, moves only, interleaved', async () => {
    const m = await src.getManifest(tl.battleId, tl.branchId);
    const full = await src.getSegment(tl.battleId, tl.branchId, 1);
    const moves = full.events.filter((e) => e.type === 'unit:move');
    expect(moves.length).toBeGreaterThan(0);
    expect(moves.length).toBeLessThan(full.events.length);
    served.set(1, full);
    served.set(2, { ...(await src.getSegment(tl.battleId, tl.branchId, 2)), events: [] });
    served.set(3, { ...full, index: 3, events: full.events.filter((e) => e.type !== 'unit:move') });
    served.set(4, { ...full, index: 4, events: moves });
    expect(m.segments.length).toBeGreaterThan(2);
    g.Worker = StandInWorker;
    const ws = new WorkerSegments(createApi('http://127.0.0.1:9')); // the API client is never asked
    const got = await Promise.all([1, 2, 3, 4].map((k) => ws.getSegment(tl.battleId, tl.branchId, k)));
    expect(ws.asked).toBe(4);
    expect(ws.delivered).toBe(4);
    for (const [i, k] of [1, 2, 3, 4].entries()) {
      const want = served.get(k)!;
      // The same segment as JSON (MoveViews serialise as the plain event); the start rows came as a Float64Array.
      const plain = JSON.parse(JSON.stringify(got[i])) as SegmentPayload;
      expect({ ...plain, start: { ...plain.start, units: { ...plain.start.units, rows: [...got[i].start.units.rows] } } }).toEqual(want);
      expect(got[i].events.filter((e) => e instanceof MoveView).length).toBe(want.events.filter((e) => e.type === 'unit:move').length);
    }
  });
});
