import type { BattleInfo, Timeline, TimelineSummary } from '../../shared/battle/timeline.js';
import type { RoomState } from '../../shared/protocol/events.js';

// HTTP calls the app makes. Responses are the server's own JSON; errors surface as thrown Errors
// carrying the server's message so views can show it.

export interface BattleListItem {
  id: string;
  title: string;
  summary: string;
  year: string;
  location: string;
  durationMs: number;
}

export interface CreatedRoom {
  roomId: string;
  instructorKey: string;
}

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = errorMessage(body) ?? `${res.status} ${res.statusText}`;
    throw new Error(msg);
  }
  return body as T;
}

function errorMessage(body: unknown): string | null {
  if (body && typeof body === 'object' && 'error' in body) {
    const err = (body as { error: unknown }).error;
    if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
    if (typeof err === 'string') return err;
  }
  return null;
}

/** The battle list; tolerates either a bare array or `{battles: [...]}`. */
export async function listBattles(): Promise<BattleListItem[]> {
  const body = await getJson<unknown>('/api/battles');
  const arr = Array.isArray(body) ? body : (body as { battles?: unknown }).battles;
  return Array.isArray(arr) ? (arr as BattleListItem[]) : [];
}

/** A battle and (when the server includes it) the summary of its historical timeline. */
export async function getBattle(battleId: string): Promise<{ battle: BattleInfo; history: TimelineSummary | null }> {
  const body = await getJson<BattleInfo | { battle: BattleInfo; timeline?: TimelineSummary }>(`/api/battles/${encodeURIComponent(battleId)}`);
  return 'battle' in body ? { battle: body.battle, history: body.timeline ?? null } : { battle: body, history: null };
}

/**
 * A branch's full timeline. `keyframes: 'none'` leaves out the keyframes (most of a big battle's
 * bytes); `room` lets any server process rebuild a what-if branch that room recorded.
 */
export async function getTimeline(battleId: string, branchId: string, opts: { keyframes?: 'all' | 'none'; room?: string } = {}): Promise<Timeline> {
  const q = new URLSearchParams({ branch: branchId });
  if (opts.keyframes) q.set('keyframes', opts.keyframes);
  if (opts.room) q.set('room', opts.room);
  const body = await getJson<Timeline | { timeline: Timeline }>(`/api/battles/${encodeURIComponent(battleId)}/timeline?${q.toString()}`);
  return 'timeline' in body ? body.timeline : body;
}

export async function createRoom(battleId: string): Promise<CreatedRoom> {
  return getJson<CreatedRoom>('/api/rooms', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId }),
  });
}

export async function getRoom(roomId: string): Promise<RoomState> {
  const body = await getJson<RoomState | { room: RoomState }>(`/api/rooms/${encodeURIComponent(roomId)}`);
  return 'room' in body && typeof (body as { room: unknown }).room === 'object' ? (body as { room: RoomState }).room : (body as RoomState);
}
