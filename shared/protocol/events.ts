import type { PlaybackClock } from '../clock/playback.js';
import type { BattleEvent } from '../battle/events.js';
import type { WorldState } from '../battle/state.js';
import type { DecisionChoice, SideId, Vec2 } from '../battle/types.js';
import type { DecisionPointInfo, Outcome } from '../battle/timeline.js';
import type { BranchManifest } from '../battle/segments.js';
import type {
  Delivery,
  AnnotationAddPayload,
  AnnotationDeletePayload,
  AnnotationEditPayload,
  AnnotationImportPayload,
  BranchForkPayload,
  BranchSwitchPayload,
  JoinPayload,
  PhasePayload,
  PingPayload,
  RatePayload,
  Role,
  RoomSettings,
  RoomSettingsPatch,
  SeekPayload,
} from './schemas.js';
import type {
  CameraPresentPayload,
  CameraUpdatePayload,
  CameraView,
  ChatMutePayload,
  ChatReactPayload,
  ChatSendPayload,
  ReactionSymbol,
} from './schemas.js';

// The socket.io contract. Names are public (other clients are written against them): extend, never rename.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'NOT_IN_ROOM'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'INTERNAL'
  /** A per-room cap (members, annotations, branches) is reached: docs/protocol.md "Limits". */
  | 'LIMIT_REACHED'
  /** A backend (Redis) is unreachable right now; retry the command (docs/protocol.md "Errors"). */
  | 'UNAVAILABLE'
  /** The response would be too large to build (a 20,000-unit battle's full timeline with keyframes): ask for less. */
  | 'TOO_LARGE';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: ErrorBody };
export type AckFn<T extends object = object> = (res: Ack<T>) => void;

export interface Member {
  memberId: string;
  name: string;
  role: Role;
  connected: boolean;
}

export interface Annotation {
  id: string;
  roomId: string;
  branchId: string;
  positionMs: number;
  text: string;
  phaseId?: string;
  at?: Vec2;
  to?: Vec2;
  stop?: boolean;
  /** Display name of the author. */
  author: string;
  /** memberId of the author (who may edit/delete besides instructors); absent on imported annotations. */
  authorId?: string;
  authorRole: Role;
  createdAt: number;
  updatedAt: number;
}

export interface BranchInfo {
  branchId: string;
  battleId: string;
  parentBranchId: string | null;
  /** All decisions that differ from history, the fork's included. */
  decisions: DecisionChoice[];
  fork: { decisionId: string; atMs: number; seq: number } | null;
  durationMs: number;
  outcome: Outcome;
  createdBy: string | null;
  createdAt: number;
  /**
   * False in a `branch:fork` ack while the branch is still being simulated (progressive fork): `durationMs`
   * is then the compiled part, `outcome` a placeholder; the room gets `branch:created` with the final info
   * when it completes. Absent = complete.
   */
  complete?: boolean;
  /** With complete: false, playback time compiled so far (the manifest has the live value). */
  compiledMs?: number;
}

/** One branch in a room's branch tree (`GET /api/rooms/:roomId/branches`). */
export interface BranchTreeNode extends BranchInfo {
  /** True for the historical trunk. */
  history: boolean;
  /** 0 for history, 1 for its forks, 2 for forks of forks... */
  depth: number;
  /** Ids of the branches forked from this one in the room (ordered by fork time). */
  children: string[];
  /** The branch's decision points: when each is reached on it and what was chosen. */
  decisionPoints: DecisionPointInfo[];
}

export interface BranchTree {
  roomId: string;
  battleId: string;
  /** The branch the room follows now. */
  currentBranchId: string;
  historyBranchId: string;
  /** Depth-first, history first: a parent always comes before its children. */
  branches: BranchTreeNode[];
}

export interface RoomState {
  roomId: string;
  battleId: string;
  branchId: string;
  settings: RoomSettings;
  clock: PlaybackClock;
  members: Member[];
  annotations: Annotation[];
  branches: BranchInfo[];
}

export interface TimelineEventsMsg {
  branchId: string;
  /** Events with fromSeq <= seq < toSeq; the batch covers playback time up to untilMs. */
  fromSeq: number;
  toSeq: number;
  untilMs: number;
  events: BattleEvent[];
}

export interface KeyframeMsg {
  branchId: string;
  positionMs: number;
  state: WorldState;
}

export interface PresenceMsg {
  members: Member[];
}

export interface JoinResult {
  room: RoomState;
  you: Member;
}

export interface ClientToServerEvents {
  'room:join': (p: JoinPayload, ack: AckFn<JoinResult>) => void;
  'room:settings': (p: RoomSettingsPatch, ack: AckFn<{ settings: RoomSettings }>) => void;
  'playback:play': (p: Record<string, never> | undefined, ack: AckFn<{ clock: PlaybackClock }>) => void;
  'playback:pause': (p: Record<string, never> | undefined, ack: AckFn<{ clock: PlaybackClock }>) => void;
  'playback:seek': (p: SeekPayload, ack: AckFn<{ clock: PlaybackClock }>) => void;
  'playback:rate': (p: RatePayload, ack: AckFn<{ clock: PlaybackClock }>) => void;
  'playback:phase': (p: PhasePayload, ack: AckFn<{ clock: PlaybackClock }>) => void;
  'annotation:add': (p: AnnotationAddPayload, ack: AckFn<{ annotation: Annotation }>) => void;
  'annotation:edit': (p: AnnotationEditPayload, ack: AckFn<{ annotation: Annotation }>) => void;
  'annotation:delete': (p: AnnotationDeletePayload, ack: AckFn<{ id: string }>) => void;
  'annotation:import': (p: AnnotationImportPayload, ack: AckFn<{ imported: number }>) => void;
  /** `manifest`: the branch's manifest when the fork answered (saves the forking client a request; may be absent). */
  'branch:fork': (p: BranchForkPayload, ack: AckFn<{ branch: BranchInfo; manifest?: BranchManifest }>) => void;
  'branch:switch': (p: BranchSwitchPayload, ack: AckFn<{ branchId: string; clock: PlaybackClock }>) => void;
  'clock:ping': (p: PingPayload, ack: AckFn<{ clientTime: number; serverTime: number }>) => void;
}

export interface ServerToClientEvents {
  'room:state': (s: RoomState) => void;
  'playback:clock': (c: PlaybackClock) => void;
  'timeline:events': (m: TimelineEventsMsg) => void;
  'timeline:keyframe': (m: KeyframeMsg) => void;
  'annotation:added': (a: Annotation) => void;
  'annotation:updated': (a: Annotation) => void;
  'annotation:removed': (m: { id: string; branchId: string }) => void;
  presence: (m: PresenceMsg) => void;
  'branch:created': (b: BranchInfo) => void;
  /** A progressive fork finished compiling: its final info (duration, outcome); `complete` is absent. */
  'branch:updated': (b: BranchInfo) => void;
  /**
   * A progressive fork (acked `complete: false`) could not be finished: its compile worker stopped during the
   * compile and again on the retry. The record stays (asking for its segments or switching to it compiles it
   * anew); fork again to retry.
   */
  'branch:failed': (m: { branchId: string; error: { code: ErrorCode; message: string } }) => void;
}

/** Between server processes' playback loops (server/streaming/ClockBus.ts): a playhead written, or stop points changed. */
export type LoopMessage =
  | { kind: 'clock'; roomId: string; playhead: { branchId: string; clock: PlaybackClock } }
  | { kind: 'stops'; roomId: string };

export interface InterServerEvents {
  ping: () => void;
  'loop:message': (m: LoopMessage) => void;
}

export interface SocketData {
  roomId?: string;
  memberId?: string;
  role?: Role;
  name?: string;
  /** From room:join: 'segments' sockets get the clock and control events, no timeline data. */
  delivery?: Delivery;
}

export type { SideId };

// ---- Together (issue #11 items 1, 2): camera, chat, reactions. Declaration merging keeps this block additive. ----

/** The room's presented view. `version` grows with every present/update; clients ignore older versions. */
export interface CameraState {
  presenting: boolean;
  presenterId: string | null;
  /** Display name of the presenter (the "who leads" badge). */
  presenterName: string | null;
  view: CameraView | null;
  version: number;
}

export interface ChatMessage {
  /** Client-chosen id (idempotent send). */
  id: string;
  authorId: string;
  author: string;
  role: Role;
  text: string;
  /** Server time the message was stored. */
  at: number;
  /** Where the room's playback was when it was sent (for the debrief). */
  branchId: string;
  positionMs: number;
}

/** Reactions counted per (branch, second of playback, symbol). */
export interface ReactionCount {
  branchId: string;
  /** Start of the REACTION_BUCKET_MS bucket the reactions are pinned to. */
  positionMs: number;
  symbol: ReactionSymbol;
  count: number;
}

/** Coalesced reactions: counts added since the previous batch (at most a few batches per second per room). */
export interface ReactionBatch {
  reactions: ReactionCount[];
}

/** `GET /api/rooms/:roomId/chat`. */
export interface ChatHistory {
  roomId: string;
  messages: ChatMessage[];
  muted: string[];
  reactions: ReactionCount[];
}

export const REACTION_BUCKET_MS = 1000;

export interface ClientToServerEvents {
  'camera:present': (p: CameraPresentPayload, ack: AckFn<{ camera: CameraState }>) => void;
  'camera:update': (p: CameraUpdatePayload, ack: AckFn<{ version: number }>) => void;
  'chat:send': (p: ChatSendPayload, ack: AckFn<{ message: ChatMessage }>) => void;
  'chat:react': (p: ChatReactPayload, ack: AckFn<{ reaction: ReactionCount }>) => void;
  'chat:mute': (p: ChatMutePayload, ack: AckFn<{ memberId: string; muted: boolean }>) => void;
  'chat:clear': (p: Record<string, never> | undefined, ack: AckFn) => void;
}

export interface ServerToClientEvents {
  'camera:state': (s: CameraState) => void;
  'chat:message': (m: ChatMessage) => void;
  'chat:reaction': (b: ReactionBatch) => void;
  'chat:cleared': (m: { at: number }) => void;
  'chat:muted': (m: { memberId: string; muted: boolean }) => void;
}

/** How each reaction symbol is drawn. */
export const REACTION_EMOJI: Record<ReactionSymbol, string> = { applause: '👏', alarm: '🚨', question: '❓', fire: '🔥', eyes: '👀' };

// ---- group votes on a what-if (issue #11 item 3) ------------------------------------------------

/** One option of a vote (a decision point's option); `param` when the option takes a value. */
export interface VoteOption {
  optionId: string;
  label: string;
  historical: boolean;
  param?: { label: string; min: number; max: number; step: number; default: number; unit: string };
}

/** Ballots per option; `values`: for an option that takes one, how many ballots gave each value (ascending). */
export interface VoteTally {
  optionId: string;
  count: number;
  values?: { value: number; count: number }[];
}

export interface VoteResult {
  optionId: string;
  /** For an option with a value: the median of the values its voters cast, snapped to the option's step. */
  value?: number;
  votes: number;
  total: number;
  /** `instructor`: a tie (or no ballots) the instructor broke. */
  decidedBy: 'votes' | 'instructor';
  /** The forked branch (history's id when the winner is what history did). */
  branchId: string;
  switched: boolean;
  closedBy: string;
  closedAt: number;
}

/** `vote:state`: the whole vote as one socket sees it. */
export interface VoteState {
  voteId: string;
  decisionId: string;
  title: string;
  /** The branch the vote forks from (the room's branch when it opened). */
  branchId: string;
  open: boolean;
  options: VoteOption[];
  tallies: VoteTally[];
  /** This socket's own ballot (never others'). */
  yourChoice?: { optionId: string; value?: number };
  result?: VoteResult;
  openedBy: string;
  openedAt: number;
}

// ---- what-if statistics (issue #11 item 4) ------------------------------------------------------

/** Outcome distribution over a study's runs. */
export interface StudyStats {
  /** Runs won, by side id (`none` = no winner). */
  winners: Record<string, number>;
  /** Per side, one entry per run (histogram input). */
  losses: Record<string, { ships: number[]; stations: number[] }>;
  /** Each objective: in how many runs it was completed / failed. */
  objectives: { id: string; label: string; complete: number; failed: number }[];
  /** Each outcome fact (e.g. "the minefield held"): in how many runs it was true. */
  facts: Record<string, number>;
}

export interface StudyProgressMsg {
  studyId: string;
  branchId: string;
  done: number;
  runs: number;
  /** Position in the server's queue (0 = running). */
  queued: number;
}

export interface StudyResultMsg extends StudyStats {
  studyId: string;
  battleId: string;
  branchId: string;
  decisions: DecisionChoice[];
  runs: number;
  /** Seeds used: seed, seed+1, ..., seed+runs-1 (the same ones for history). */
  seed: number;
  /** History's distribution over the same seeds. */
  history: StudyStats;
  status: 'done' | 'cancelled' | 'failed';
  /** Why, for cancelled or failed. */
  message?: string;
  requestedBy: string;
  finishedAt: number;
  /** Served from the (branch, runs, seed) cache. */
  cached: boolean;
}

// Declaration merging adds the vote:* and study:* events to the socket.io maps above.
export interface ClientToServerEvents {
  'vote:open': (p: import('./schemas.js').VoteOpenPayload, ack: AckFn<{ vote: VoteState }>) => void;
  'vote:cast': (p: import('./schemas.js').VoteCastPayload, ack: AckFn<{ vote: VoteState }>) => void;
  'vote:close': (p: import('./schemas.js').VoteClosePayload, ack: AckFn<{ vote: VoteState; branch: BranchInfo }>) => void;
  'vote:sync': (p: Record<string, never> | undefined, ack: AckFn<{ votes: VoteState[] }>) => void;
  'study:run': (p: import('./schemas.js').StudyRunPayload, ack: AckFn<{ studyId: string; runs: number; cached: boolean }>) => void;
  'study:cancel': (p: import('./schemas.js').StudyCancelPayload, ack: AckFn<{ studyId: string }>) => void;
  'study:sync': (p: Record<string, never> | undefined, ack: AckFn<{ results: StudyResultMsg[]; running: StudyProgressMsg[] }>) => void;
}

export interface ServerToClientEvents {
  'vote:state': (v: VoteState) => void;
  'study:progress': (m: StudyProgressMsg) => void;
  'study:result': (m: StudyResultMsg) => void;
}
