// Messages between the page and the segment worker (segmentWorker.ts, driven by workerSegments.ts). A segment
// of a 20,000-unit battle is megabytes of JSON: fetching, decoding and parsing it on the page's main thread was
// a 50-800 ms task each time one arrived. The worker does that and hands the page pieces that are cheap to take:
// the packed start state's number columns as one transferred Float64Array (no copy), the rest of the header as
// JSON text, the moves in columns (one transferred Float64Array and their ids: movePack.ts), then the other events as
// JSON text in messages of at most EVENTS_PER_MESSAGE, each its own short task on the page. JSON text rather than cloned objects because JSON.parse interns short strings (ids, sides, kinds,
// statuses, event types) and structured clone does not: with uninterned strings every `u.kind === 'station'`
// and `MIN_PX[u.kind]` in the unit layer became a character compare or a string-table lookup, and a 20,000-unit
// frame took several times longer (measured, docs/benchmarks.md). Of event shapes the worker knows only `unit:move`'s.

/** Events per message: parsing a thousand events on the page is ~1-2 ms; 3,000 made tasks (with the young-generation
 * collection they set off) of up to 80 ms of CPU on a loaded machine (docs/benchmarks.md, issue #14). */
export const EVENTS_PER_MESSAGE = 1_000;

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

/**
 * The segment: `head` is its JSON without events and with start.units.rows empty (they are `rows`); `eventCount`
 * events follow, `moveCount` of them as one `moves` message (columns, movePack.ts), the rest as `events` messages.
 */
export interface SegmentHead {
  type: 'head';
  id: number;
  head: string;
  rows: Float64Array;
  eventCount: number;
  moveCount: number;
}

/** The segment's moves in columns (movePack.ts's PackedMoves; `ids` as JSON text: the page's parse interns them). */
export interface SegmentMoves {
  type: 'moves';
  id: number;
  cols: Float64Array;
  ids: string;
  isMove: Uint8Array;
}

/** A JSON array of consecutive events (other than moves). */
export interface SegmentEvents {
  type: 'events';
  id: number;
  events: string;
}

/** The request failed: an HTTP error's status and the server's code and message (status 0: no HTTP answer). */
export interface SegmentFailed {
  type: 'error';
  id: number;
  status: number;
  code: string;
  message: string;
}

export type SegmentReply = SegmentHead | SegmentMoves | SegmentEvents | SegmentFailed;
