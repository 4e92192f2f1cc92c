import type { PlaybackClock } from '../clock/playback.js';
import type { BattleEvent } from '../battle/events.js';
import type { WorldState } from '../battle/state.js';
import type { DecisionChoice, SideId, Vec2 } from '../battle/types.js';
import type { DecisionPointInfo, Outcome } from '../battle/timeline.js';
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

// The socket.io contract. Names are public (other clients are written against them): extend, never rename.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'NOT_IN_ROOM'
  | 'RATE_LIMITED'
  | 'CONFLICT'
  | 'INTERNAL';

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
  'branch:fork': (p: BranchForkPayload, ack: AckFn<{ branch: BranchInfo }>) => void;
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
