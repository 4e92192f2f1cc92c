import type { BranchManifest, PartPayload, SegmentPayload } from '../battle/segments.js';
import type { BattleInfo, Timeline, TimelineSummary } from '../battle/timeline.js';
import type {
  Annotation,
  BranchTree,
  ChatHistory,
  ChatMessage,
  ErrorBody,
  ReactionCount,
  RoomState,
  StudyProgressMsg,
  StudyResultMsg,
  VoteState,
} from './events.js';

// The HTTP contract: what each JSON route returns. The server checks its responses against these
// (`satisfies` in server/http/api.ts) and the browser reads them through client/src/api.ts only.
// Names are public like the socket events: extend, never rename.

/** Every HTTP error (4xx/5xx) carries this body. */
export interface HttpErrorBody {
  ok: false;
  error: ErrorBody;
}

/** A battle in the lobby listing: the battle without its map geometry. */
export type BattleListItem = Omit<BattleInfo, 'map'>;

/** `GET /api/battles` */
export interface BattleListResponse {
  battles: BattleListItem[];
}

/** `GET /api/battles/:battleId`: the battle and the summary of its historical timeline. */
export interface BattleResponse {
  battle: BattleInfo;
  timeline: TimelineSummary;
}

/** `GET /api/battles/:battleId/timeline[?branch=&keyframes=none&room=]` (keyframes empty with `keyframes=none`). */
export type TimelineResponse = Timeline;

/** `GET /api/battles/:battleId/branches/:branchId/manifest` */
export type ManifestResponse = BranchManifest;

/** `GET /api/battles/:battleId/branches/:branchId/segments/:index` */
export type SegmentResponse = SegmentPayload;
/** `GET /api/battles/:battleId/branches/:branchId/segments/:index/parts/:part` (while the branch compiles) */
export type PartResponse = PartPayload;

/** `POST /api/rooms` (201) */
export interface CreateRoomResponse {
  roomId: string;
  instructorKey: string;
  /** Path a viewer opens. */
  joinUrl: string;
  /** Path carrying the instructor key in its fragment. */
  instructorUrl: string;
  room: RoomState;
}

/** `GET /api/rooms/:roomId` */
export type RoomResponse = RoomState;

/** `GET /api/rooms/:roomId/branches` */
export type BranchTreeResponse = BranchTree;

/** `GET /api/rooms/:roomId/annotations` (JSON; `?format=md` returns Markdown text instead). */
export interface AnnotationsResponse {
  roomId: string;
  battleId: string;
  branchId: string;
  annotations: Annotation[];
  /** The room's group votes and finished what-if studies (absent on a server without them). */
  votes?: VoteState[];
  studies?: StudyResultMsg[];
  /** The room's chat and reaction counts (absent on a server without chat). */
  chat?: { messages: ChatMessage[]; reactions: ReactionCount[] };
}

/** `GET /api/rooms/:roomId/chat[?branch=ID]` */
export type ChatHistoryResponse = ChatHistory;

/** `GET /api/rooms/:roomId/votes` */
export interface VotesResponse {
  roomId: string;
  votes: VoteState[];
}

/** `GET /api/rooms/:roomId/studies` */
export interface StudiesResponse {
  roomId: string;
  results: StudyResultMsg[];
  running: StudyProgressMsg[];
}

/** `GET /healthz` */
export interface HealthResponse {
  /** False (with HTTP 503) while a backend (Redis store, adapter, ...) does not answer. */
  ok: boolean;
  /** Why not ok: one reason per failing backend. */
  reason?: string;
  rooms: number;
  sockets: number;
}

/** Route pattern -> JSON body of a successful response. One map, so clients can be written against it. */
export interface HttpRoutes {
  'GET /api/battles': BattleListResponse;
  'GET /api/battles/:battleId': BattleResponse;
  'GET /api/battles/:battleId/timeline': TimelineResponse;
  'GET /api/battles/:battleId/branches/:branchId/manifest': ManifestResponse;
  'GET /api/battles/:battleId/branches/:branchId/segments/:index': SegmentResponse;
  'GET /api/battles/:battleId/branches/:branchId/segments/:index/parts/:part': PartResponse;
  'POST /api/rooms': CreateRoomResponse;
  'GET /api/rooms/:roomId': RoomResponse;
  'GET /api/rooms/:roomId/branches': BranchTreeResponse;
  'GET /api/rooms/:roomId/annotations': AnnotationsResponse;
  'GET /api/rooms/:roomId/chat': ChatHistoryResponse;
  'GET /api/rooms/:roomId/votes': VotesResponse;
  'GET /api/rooms/:roomId/studies': StudiesResponse;
  'GET /healthz': HealthResponse;
}

export type HttpRoute = keyof HttpRoutes;
