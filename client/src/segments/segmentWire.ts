import type { BattleEvent } from '../../../shared/battle/events.js';
import type { SegmentPayload } from '../../../shared/battle/segments.js';

// Messages between the page and the segment worker (segmentWorker.ts, driven by workerSegments.ts). A segment
// of a 20,000-unit battle is megabytes of JSON: fetching, decoding and parsing it on the page's main thread was
// a 50-800 ms task each time one arrived. The worker does that and hands the page pieces that are cheap to take:
// the header with the packed start state's number columns as one transferred Float64Array (no copy), then the
// events in messages of at most EVENTS_PER_MESSAGE, each its own short task on the page. The worker knows
// nothing of event shapes: it forwards them as parsed.

/** Events per message: cloning a few thousand small objects into the page is a few ms. */
export const EVENTS_PER_MESSAGE = 3_000;

export interface SegmentGet {
  type: 'get';
  /** Request id (the page's), echoed in every reply. */
  id: number;
  battleId: string;
  branchId: string;
  index: number;
  room?: string;
  hash?: string;
}

/** The segment without its events (start.units.rows is a Float64Array); `eventCount` events follow. */
export interface SegmentHead {
  type: 'head';
  id: number;
  head: Omit<SegmentPayload, 'events'>;
  eventCount: number;
}

export interface SegmentEvents {
  type: 'events';
  id: number;
  events: BattleEvent[];
}

/** The request failed: an HTTP error's status and the server's code and message (status 0: no HTTP answer). */
export interface SegmentFailed {
  type: 'error';
  id: number;
  status: number;
  code: string;
  message: string;
}

export type SegmentReply = SegmentHead | SegmentEvents | SegmentFailed;
