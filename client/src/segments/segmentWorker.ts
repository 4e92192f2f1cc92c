import { createApi, HttpError } from '../api.js';
import { EVENTS_PER_MESSAGE, type SegmentGet, type SegmentReply } from './segmentWire.js';

// Fetches and parses segments off the page's main thread (protocol: segmentWire.ts). Same origin as the page,
// so the same API client and the same CSP (`worker-src 'self'`) as the unit-canvas worker.

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
    scope.postMessage({ type: 'head', id: m.id, head, rows, eventCount: events.length }, [rows.buffer]);
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE)
      scope.postMessage({ type: 'events', id: m.id, events: JSON.stringify(events.slice(i, i + EVENTS_PER_MESSAGE)) });
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
