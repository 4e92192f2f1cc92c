import type {
  AnnotationsResponse,
  BattleListItem,
  BattleListResponse,
  BattleResponse,
  BranchTreeResponse,
  ChatHistoryResponse,
  CreateRoomResponse,
  HttpErrorBody,
  ManifestResponse,
  PartResponse,
  RoomResponse,
  SegmentResponse,
  TimelineResponse,
} from '../../shared/protocol/http.js';

// Every HTTP call the client makes goes through here, typed by the shared HTTP contract
// (shared/protocol/http.ts). Isomorphic (fetch only): the browser uses the default instance (same
// origin); client/lib/roomClient.ts and tests build one on a server URL with createApi(url).
// Errors surface as HttpError carrying the server's code and message so views can show it.

export type { BattleListItem, CreateRoomResponse as CreatedRoom };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface Api {
  listBattles(): Promise<BattleListItem[]>;
  getBattle(battleId: string): Promise<BattleResponse>;
  /** A branch's full timeline: the compare view's fallback; rooms use manifests and segments. */
  getTimeline(battleId: string, branchId: string, opts?: { keyframes?: 'all' | 'none'; room?: string }): Promise<TimelineResponse>;
  /**
   * A branch's manifest (`room` lets a process that never compiled a room's fork rebuild it). `after`: a compiledMs
   * the caller holds; while the branch compiles the server answers once it compiled past it (a long-poll, ~4 s at most).
   * `signal` aborts the request (a long-poll given up: the branch is left).
   */
  getManifest(
    battleId: string,
    branchId: string,
    opts?: { room?: string; after?: number; signal?: AbortSignal },
  ): Promise<ManifestResponse>;
  getSegment(battleId: string, branchId: string, index: number, opts?: { room?: string; hash?: string }): Promise<SegmentResponse>;
  /** A part of a compiling branch's segment (`manifest.parts`); 404 once the server no longer holds it (fetch the segment). */
  getPart(battleId: string, branchId: string, index: number, part: number, opts?: { room?: string; hash?: string }): Promise<PartResponse>;
  createRoom(battleId: string): Promise<CreateRoomResponse>;
  getRoom(roomId: string): Promise<RoomResponse>;
  getBranchTree(roomId: string): Promise<BranchTreeResponse>;
  getAnnotations(roomId: string, branchId?: string): Promise<AnnotationsResponse>;
  getChat(roomId: string, branchId?: string): Promise<ChatHistoryResponse>;
}

function isErrorBody(body: unknown): body is HttpErrorBody {
  if (!body || typeof body !== 'object' || !('error' in body)) return false;
  const err = (body as { error: unknown }).error;
  return !!err && typeof err === 'object' && 'message' in err && 'code' in err;
}

const enc = encodeURIComponent;
const query = (q: Record<string, string | undefined>): string => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};

/** An API client on `base` ('' = same origin). `fetchFn` defaults to the global fetch. */
export function createApi(base = '', fetchFn: typeof fetch = (...a) => globalThis.fetch(...a)): Api {
  async function json<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetchFn(base + path, init);
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      if (isErrorBody(body)) throw new HttpError(res.status, body.error.code, body.error.message);
      throw new HttpError(res.status, 'INTERNAL', `${res.status} ${res.statusText}`);
    }
    // The server checks its bodies against shared/protocol/http.ts (`satisfies`); this is the other end.
    return body as T;
  }
  const branch = (battleId: string, branchId: string) => `/api/battles/${enc(battleId)}/branches/${enc(branchId)}`;
  return {
    listBattles: async () => (await json<BattleListResponse>('/api/battles')).battles,
    getBattle: (battleId) => json<BattleResponse>(`/api/battles/${enc(battleId)}`),
    getTimeline: (battleId, branchId, opts = {}) =>
      json<TimelineResponse>(
        `/api/battles/${enc(battleId)}/timeline${query({ branch: branchId, keyframes: opts.keyframes, room: opts.room })}`,
      ),
    getManifest: (battleId, branchId, opts = {}) =>
      json<ManifestResponse>(
        `${branch(battleId, branchId)}/manifest${query({ room: opts.room, after: opts.after === undefined ? undefined : String(opts.after) })}`,
        opts.signal ? { signal: opts.signal } : undefined,
      ),
    getSegment: (battleId, branchId, index, opts = {}) =>
      json<SegmentResponse>(`${branch(battleId, branchId)}/segments/${index}${query({ room: opts.room, h: opts.hash })}`),
    getPart: (battleId, branchId, index, part, opts = {}) =>
      json<PartResponse>(`${branch(battleId, branchId)}/segments/${index}/parts/${part}${query({ room: opts.room, h: opts.hash })}`),
    createRoom: (battleId) =>
      json<CreateRoomResponse>('/api/rooms', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ battleId }),
      }),
    getRoom: (roomId) => json<RoomResponse>(`/api/rooms/${enc(roomId)}`),
    getBranchTree: (roomId) => json<BranchTreeResponse>(`/api/rooms/${enc(roomId)}/branches`),
    getAnnotations: (roomId, branchId) => json<AnnotationsResponse>(`/api/rooms/${enc(roomId)}/annotations${query({ branch: branchId })}`),
    getChat: (roomId, branchId) => json<ChatHistoryResponse>(`/api/rooms/${enc(roomId)}/chat${query({ branch: branchId })}`),
  };
}

/** The browser's instance (same origin). */
export const api: Api = createApi();
export const { listBattles, getBattle, getTimeline, getManifest, getSegment, createRoom, getRoom, getBranchTree, getChat } = api;
