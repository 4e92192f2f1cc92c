import { eventIndexAfter } from '../../shared/battle/seek.js';
import {
  buildSegment,
  segmentBounds,
  strengthSeries,
  type BranchManifest,
  type SegmentInfo,
  type SegmentPayload,
} from '../../shared/battle/segments.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import type { SegmentSource } from '../../client/lib/segmentWorld.js';

// An in-memory segment source over a compiled timeline, for testing the client's segment world
// without a server. `frontierMs` makes it a progressive fork: only segments fully compiled by then
// are listed, and the manifest says so.

export class MemorySegmentSource implements SegmentSource {
  readonly requests: string[] = [];
  frontierMs: number;
  /** A gate every segment request waits on (tests that need a request in flight). */
  gate: Promise<void> = Promise.resolve();

  constructor(
    readonly tl: Timeline,
    readonly segmentMs = 10_000,
    frontierMs = Infinity,
  ) {
    this.frontierMs = frontierMs;
  }

  async getManifest(battleId: string, branchId: string): Promise<BranchManifest> {
    this.requests.push('manifest');
    return this.manifestAt(battleId, branchId);
  }

  /** The manifest at the frontier now. */
  manifestAt(battleId: string, branchId: string): BranchManifest {
    const tl = this.tl;
    const complete = this.frontierMs >= tl.durationMs;
    const compiledMs = Math.min(this.frontierMs, tl.durationMs);
    const segments: SegmentInfo[] = this.bounds()
      .filter(([, endMs]) => complete || endMs <= compiledMs)
      .map(([startMs, endMs], index) => {
        const firstSeq = eventIndexAfter(tl.events, startMs);
        const eventCount = eventIndexAfter(tl.events, endMs) - firstSeq;
        // The size of its events' JSON: what the budgets by size read (close to the server's, which adds a start).
        const bytes = JSON.stringify(tl.events.slice(firstSeq, firstSeq + eventCount)).length;
        return { index, startMs, endMs, firstSeq, eventCount, bytes, hash: `h${index}` };
      });
    return {
      battleId,
      branchId,
      parentBranchId: tl.parentBranchId,
      decisions: tl.decisions,
      fork: tl.fork,
      segmentMs: this.segmentMs,
      complete,
      compiledMs,
      durationMs: complete ? tl.durationMs : compiledMs,
      segments,
      phases: tl.phases,
      decisionPoints: tl.decisionPoints,
      outcome: complete ? tl.outcome : null,
      eventsSha256: complete ? tl.eventsSha256 : null,
      strength: complete ? strengthSeries(tl.events, tl.durationMs) : null,
    };
  }

  async getSegment(battleId: string, _branchId: string, index: number): Promise<SegmentPayload> {
    this.requests.push(`segment:${index}`);
    await this.gate;
    // JSON round trip: what a client gets over HTTP.
    const [startMs, endMs] = this.bounds()[index];
    return JSON.parse(
      JSON.stringify(buildSegment({ battleId }, this.tl.events, this.tl.keyframes, index, startMs, endMs)),
    ) as SegmentPayload;
  }

  /** The grid, cut at every decision point too (as the server's segmenter does). */
  bounds(): [number, number][] {
    return segmentBounds(this.tl.events, this.tl.durationMs, this.segmentMs);
  }
}
