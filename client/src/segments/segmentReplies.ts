import type { SegmentPayload } from '../../../shared/battle/segments.js';
import { packMoves } from './movePack.js';
import { EVENTS_PER_MESSAGE, type SegmentReply } from './segmentWire.js';

// What the segment worker posts for a segment, in order (segmentWire.ts): the head (start rows transferred), the
// moves in columns (transferred; none when the segment has no moves), then the other events as JSON text in
// messages of at most EVENTS_PER_MESSAGE. Pure: WorkerSegments' assembly of them is tested in Node.

export interface Posted {
  reply: SegmentReply;
  transfer: Transferable[];
}

export function segmentReplies(id: number, seg: SegmentPayload): Posted[] {
  const { events, ...rest } = seg;
  const rows = Float64Array.from(seg.start.units.rows);
  const head = JSON.stringify({ ...rest, start: { ...seg.start, units: { ...seg.start.units, rows: [] } } });
  const { rest: others, moves } = packMoves(events);
  const moveCount = moves.ids.length;
  const out: Posted[] = [{ reply: { type: 'head', id, head, rows, eventCount: events.length, moveCount }, transfer: [rows.buffer] }];
  if (moveCount > 0)
    out.push({
      reply: { type: 'moves', id, cols: moves.cols, ids: JSON.stringify(moves.ids), isMove: moves.isMove },
      transfer: [moves.cols.buffer, moves.isMove.buffer],
    });
  for (let i = 0; i < others.length; i += EVENTS_PER_MESSAGE)
    out.push({ reply: { type: 'events', id, events: JSON.stringify(others.slice(i, i + EVENTS_PER_MESSAGE)) }, transfer: [] });
  return out;
}
