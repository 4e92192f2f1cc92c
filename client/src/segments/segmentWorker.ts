import { createApi, HttpError } from '../api.js';
import { packMoves } from './movePack.js';
import { EVENTS_PER_MESSAGE, type SegmentGet, type SegmentReply } from './segmentWire.js';

// Fetches and parses segments off the page's main thread (protocol: segmentWire.ts). Same origin as the page,
// so the same API client and the same CSP (`worker-src 'self'`) as the unit-canvas worker. Moves go in columns
// (movePack.ts), the other events as JSON text.

interface WorkerScope {
  location: { origin: string };
  onmessage: ((e: MessageEvent<SegmentGet>) => void) | null;
  postMessage(m: SegmentReply, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const api = createApi(scope.location.origin);

async function get(m: SegmentGet): Promise<void> {
  try {
    const seg = await api.getSegment(m.battleId, m.branchId, m.index, { room: m.room, hash: m.hash });
    const { events, ...rest } = seg;
    const rows = Float64Array.from(seg.start.units.rows);
    const head = JSON.stringify({ ...rest, start: { ...seg.start, units: { ...seg.start.units, rows: [] } } });
    const { rest: others, moves } = packMoves(events);
    const moveCount = moves.ids.length;
    scope.postMessage({ type: 'head', id: m.id, head, rows, eventCount: events.length, moveCount }, [rows.buffer]);
    if (moveCount > 0)
      scope.postMessage({ type: 'moves', id: m.id, cols: moves.cols, ids: JSON.stringify(moves.ids), isMove: moves.isMove }, [
        moves.cols.buffer,
        moves.isMove.buffer,
      ]);
    for (let i = 0; i < others.length; i += EVENTS_PER_MESSAGE)
      scope.postMessage({ type: 'events', id: m.id, events: JSON.stringify(others.slice(i, i + EVENTS_PER_MESSAGE)) });
  } catch (err) {
    const e = err instanceof HttpError ? err : null;
    scope.postMessage({
      type: 'error',
      id: m.id,
      status: e?.status ?? 0,
      code: e?.code ?? 'NETWORK',
      message: err instanceof Error ? err.message : String(err),
    });
  }
}

scope.onmessage = (e) => void get(e.data);
