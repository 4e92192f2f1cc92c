/**
 * roomClient: the Wardroom room client library (isomorphic: socket.io-client and fetch, no DOM, no Node APIs).
 * Used by the browser app and by the server's integration tests.
 *
 * ```ts
 * const rc = new RoomClient({ url: location.origin, roomId, name: 'Kira', clientId, delivery: 'segments' });
 * const joined = await rc.ready;            // first join + clock sync + world at the play head; rejects on a join error
 * rc.subscribe((change) => redraw());       // 'room' | 'clock' | 'presence' | 'state' | 'connection' | 'branch' | 'annotations' | 'manifest'
 * requestAnimationFrame(function frame() {
 *   const pos = rc.positionNow();           // shared playback ms, the same in every browser of the room
 *   const world = rc.stateNow();            // WorldState folded up to pos (null before the first world)
 *   ...
 * });
 * const ack = await rc.pause();             // every command resolves to the server's ack: {ok:true,...} | {ok:false,error}
 * rc.close();
 * ```
 *
 * It is a thin connection over three parts that know nothing of sockets:
 * - clock: `ClockSync` (shared/clock/sync.ts, the one sampling policy) fed by `clock:ping`s: `pings` at every
 *   join, a few more shortly after (`settleMs`), then one every `resyncMs`;
 * - the room mirror (roomMirror.ts): presence, settings, annotations, branches, the latest clock;
 * - the world: with `delivery: 'segments'` a SegmentWorld per branch (segmentWorld.ts: manifest and segments
 *   over HTTP, folded locally), with `delivery: 'socket'` (the default, the original contract) a WorldBuffer
 *   (worldBuffer.ts: `timeline:keyframe` + `timeline:events`).
 * It joins on every socket.io `connect` (first connect and every reconnect), so a client that lost its server
 * always gets the room state, clock and world again. Pass a stable `clientId` so a reconnect reclaims the member.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { BattleEvent } from '../../shared/battle/events.js';
import type { BranchManifest } from '../../shared/battle/segments.js';
import type { WorldState } from '../../shared/battle/state.js';
import type { PlaybackClock } from '../../shared/clock/playback.js';
import { ClockSync } from '../../shared/clock/sync.js';
import type {
  ClientToServerEvents,
  JoinResult,
  KeyframeMsg,
  Member,
  RoomState,
  ServerToClientEvents,
  TimelineEventsMsg,
} from '../../shared/protocol/events.js';
import type {
  AnnotationAddPayload,
  AnnotationEditPayload,
  AnnotationImportPayload,
  BranchForkPayload,
  Delivery,
  Role,
  RoomSettingsPatch,
} from '../../shared/protocol/schemas.js';
import { createApi, type Api } from '../src/api.js';
import { NO_ACK, type AckOf, type CallName, type PayloadOf } from './calls.js';
import * as mirror from './roomMirror.js';
import { BranchWorld } from './branchWorld.js';
import type { FoldBudget, SegmentSource, SegmentWorld } from './segmentWorld.js';
import { WorldBuffer } from './worldBuffer.js';

export type RoomChange = 'room' | 'clock' | 'presence' | 'state' | 'connection' | 'branch' | 'annotations' | 'manifest';
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'error';
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
/** How the world reaches this client: HTTP segments (clock-only socket) or the socket stream. */
export type { Delivery };

export interface RoomClientOptions {
  /** Server origin, e.g. location.origin or `http://127.0.0.1:${port}`. */
  url: string;
  roomId: string;
  name: string;
  role?: Role;
  instructorKey?: string;
  /**
   * Stable per browser (e.g. kept in localStorage): a join with the same clientId reclaims the member (name, role).
   * Default: random per RoomClient, which covers reconnects of this instance but not a page reload.
   */
  clientId?: string;
  /** Default 'socket' (keyframes and event batches over the socket); the browser app uses 'segments'. */
  delivery?: Delivery;
  /** Where segments and manifests come from (default: HTTP on `url` through client/src/api.ts). */
  segments?: SegmentSource;
  /** Segments delivery: while playing, the most folding and unpacking per frame (default none: see FoldBudget). */
  budget?: FoldBudget;
  /** Clock pings at every join (default 8). */
  pings?: number;
  /** Background clock ping period (default 20 s; 0 disables). */
  resyncMs?: number;
  /**
   * Extra pings this long after each join (default [400, 1200, 2500] ms, jittered). Join-time pings often
   * meet a busy server (everyone joins at once); later, quieter samples have lower round trips and win.
   */
  settleMs?: number[];
  /** Command ack timeout (default 10 s). */
  ackTimeoutMs?: number;
  /** Local clock in ms; default performance.timeOrigin + performance.now() (monotonic). */
  now?: () => number;
  /** Extra socket.io-client options (transports, forceNew...). */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

const defaultNow = (): number => performance.timeOrigin + performance.now();
/** crypto.randomUUID is missing in insecure browser contexts (plain http on a LAN address). */
const randomId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function'
    ? globalThis.crypto.randomUUID()
    : `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 12)}`;

export class RoomClient {
  readonly socket: ClientSocket;
  readonly roomId: string;
  readonly delivery: Delivery;
  /** Server clock estimate (one sampling policy: shared/clock/sync.ts). */
  readonly sync = new ClockSync();
  /** Resolves after the first successful join (state, clock sync and the world at the play head in hand). */
  readonly ready: Promise<JoinResult>;

  private readonly now: () => number;
  private readonly listeners = new Set<(c: RoomChange) => void>();
  private readonly eventListeners = new Set<(events: readonly BattleEvent[], branchId: string) => void>();
  private _room: RoomState | null = null;
  private _you: Member | null = null;
  private _clock: PlaybackClock | null = null;
  private _status: ConnectionStatus = 'connecting';
  private _error: string | null = null;
  private resyncTimer: ReturnType<typeof setInterval> | null = null;
  private settleTimers: ReturnType<typeof setTimeout>[] = [];
  private lastRejoin = 0;
  private closed = false;
  private readonly clientId: string;

  // socket delivery
  private readonly buffer = new WorldBuffer();
  private keyframeWaiters: (() => void)[] = [];
  // segments delivery
  private readonly http: Api;
  private readonly worlds: BranchWorld;

  constructor(private readonly o: RoomClientOptions) {
    this.now = o.now ?? defaultNow;
    this.roomId = o.roomId;
    this.delivery = o.delivery ?? 'socket';
    this.clientId = o.clientId ?? randomId();
    this.http = createApi(o.url.replace(/\/$/, ''));
    this.worlds = new BranchWorld(o.segments ?? this.http, {
      room: o.roomId,
      position: () => this.positionNow(),
      onChange: (what) => this.emit(what === 'manifest' ? 'manifest' : 'state'),
      onEvents: (events, branchId) => {
        for (const fn of this.eventListeners) fn(events, branchId);
      },
      budget: o.budget,
    });
    this.socket = io(o.url, { transports: ['websocket'], ...o.socket });
    let resolveReady!: (r: JoinResult) => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {}); // callers may never await it
    let first = true;

    this.socket.on('connect', () => {
      this.setStatus('connected');
      void this.join().then(
        (r) => {
          if (first) {
            first = false;
            if (r.ok) resolveReady(r);
            else rejectReady(new Error(`${r.error.code}: ${r.error.message}`));
          }
        },
        (err: unknown) => first && rejectReady(err instanceof Error ? err : new Error(String(err))),
      );
    });
    this.socket.on('disconnect', () => this.setStatus('reconnecting'));
    this.socket.on('connect_error', (err) => {
      this._error = err.message;
      this.setStatus(this.socket.active ? 'reconnecting' : 'error');
    });

    this.socket.on('playback:clock', (c) => this.takeClock(c));
    if (this.delivery === 'socket') {
      this.socket.on('timeline:keyframe', (m) => this.takeKeyframe(m));
      this.socket.on('timeline:events', (m) => this.takeEvents(m));
    }
    this.socket.on('room:state', (s) => {
      this._room = s;
      this.takeClock(s.clock);
      this.followBranch();
      this.emit('room');
    });
    this.socket.on('presence', (m) => this.update((r) => mirror.withMembers(r, m.members), 'presence'));
    this.socket.on('annotation:added', (a) => this.update((r) => mirror.upsertAnnotation(r, a), 'annotations'));
    this.socket.on('annotation:updated', (a) => this.update((r) => mirror.upsertAnnotation(r, a), 'annotations'));
    this.socket.on('annotation:removed', (m) => this.update((r) => mirror.removeAnnotation(r, m.id), 'annotations'));
    this.socket.on('branch:created', (b) => this.update((r) => mirror.addBranch(r, b), 'branch'));
    // A progressive fork completed: its final duration and outcome replace the placeholder.
    this.socket.on('branch:updated', (b) => this.update((r) => mirror.updateBranch(r, b), 'branch'));

    const resyncMs = o.resyncMs ?? 20_000;
    if (resyncMs > 0) this.resyncTimer = setInterval(() => void this.ping().catch(() => {}), resyncMs);
  }

  // ---- reading ----------------------------------------------------------------------------------

  room(): RoomState | null {
    return this._room;
  }
  you(): Member | null {
    return this._you;
  }
  clock(): PlaybackClock | null {
    return this._clock;
  }
  connection(): ConnectionStatus {
    return this._status;
  }
  lastError(): string | null {
    return this._error;
  }
  /** The branch the world state belongs to. */
  stateBranchId(): string | null {
    return this.delivery === 'socket' ? this.buffer.branchId : this.worlds.drawnBranchId;
  }
  /** Segments delivery: the manifest of the room's branch (phases, decision points, strength series, frontier). */
  manifest(): BranchManifest | null {
    return this.worlds.manifest;
  }
  /** Segments delivery: the world source of the room's branch (tests read its fetch log). */
  segmentWorld(): SegmentWorld | null {
    return this.worlds.current;
  }

  /** Shared playback position (ms) at local time `localNow`. */
  positionNow(localNow = this.now()): number {
    return this._clock ? this.sync.positionNow(this._clock, localNow) : 0;
  }

  /** The world at positionNow() (null before the first world). Never past a compiling branch's frontier. */
  stateNow(localNow = this.now()): WorldState | null {
    const pos = this.positionNow(localNow);
    if (this.delivery === 'socket') return this.buffer.stateAt(pos);
    const motion = { playing: this._clock?.state === 'playing', rate: this._clock?.rate ?? 1 };
    return this.worlds.stateAt(pos, motion);
  }

  /** Socket delivery: events received but not yet folded (ahead of the play head). */
  bufferedEvents(): number {
    return this.buffer.buffered;
  }

  /** Resolves at the next keyframe (socket delivery) or once the world at the play head is in (segments). */
  nextKeyframe(): Promise<void> {
    return this.delivery === 'socket' ? new Promise((r) => this.keyframeWaiters.push(r)) : this.worlds.next();
  }

  subscribe(fn: (change: RoomChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Event batches for short-lived visuals: each streamed batch (socket delivery); with segments, a segment's events
   * each time the world enters it (again after a seek back) and each part's. A batch may come more than once.
   */
  onEvents(fn: (events: readonly BattleEvent[], branchId: string) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  // ---- commands (each resolves to the server's ack) ---------------------------------------------

  play() {
    return this.call('playback:play', {});
  }
  pause() {
    return this.call('playback:pause', {});
  }
  seek(positionMs: number) {
    return this.call('playback:seek', { positionMs });
  }
  setRate(rate: number) {
    return this.call('playback:rate', { rate });
  }
  phase(phaseId: string) {
    return this.call('playback:phase', { phaseId });
  }
  stepPhase(step: 1 | -1) {
    return this.call('playback:phase', { step });
  }
  settings(patch: RoomSettingsPatch) {
    return this.call('room:settings', patch);
  }
  addAnnotation(p: AnnotationAddPayload) {
    return this.call('annotation:add', p);
  }
  editAnnotation(p: AnnotationEditPayload) {
    return this.call('annotation:edit', p);
  }
  deleteAnnotation(id: string) {
    return this.call('annotation:delete', { id });
  }
  importAnnotations(p: AnnotationImportPayload) {
    return this.call('annotation:import', p);
  }
  fork(p: BranchForkPayload) {
    return this.call('branch:fork', p);
  }
  async switchBranch(branchId: string) {
    const r = await this.call('branch:switch', { branchId });
    // A segments client hears of a switch by its clock only: follow the ack at once.
    if (r.ok && this._room) {
      this._room = mirror.withBranchId(this._room, r.branchId);
      this.followBranch();
    }
    return r;
  }

  /** One clock sample; returns the round trip in ms. */
  async ping(): Promise<number> {
    const t0 = this.now();
    const r = await this.call('clock:ping', { clientTime: t0 });
    const t1 = this.now();
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    this.sync.addSample(r.clientTime, r.serverTime, t1);
    return t1 - t0;
  }

  /** Join again (resync: fresh state, clock and world). Done automatically on every connect. */
  async join(): Promise<AckOf<'room:join'>> {
    const { roomId, name, role, instructorKey } = this.o;
    const kf = this.delivery === 'socket' ? this.nextKeyframe() : null;
    const r = await this.call('room:join', { roomId, name, role, instructorKey, clientId: this.clientId, delivery: this.delivery });
    if (!r.ok) {
      this._error = `${r.error.code}: ${r.error.message}`;
      this.setStatus('error');
      return r;
    }
    this._room = r.room;
    this._you = r.you;
    this.takeClock(r.room.clock);
    this.followBranch();
    this.emit('room');
    for (let i = 0; i < (this.o.pings ?? 8); i++) await this.ping().catch(() => {});
    if (kf) await kf;
    else await this.worlds.loadAtHead();
    for (const ms of this.o.settleMs ?? [400, 1200, 2500]) {
      const timer = setTimeout(() => void (this.closed || this.ping().catch(() => {})), ms * (0.5 + Math.random()));
      this.settleTimers.push(timer);
    }
    return r;
  }

  close(): void {
    this.closed = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const t of this.settleTimers) clearTimeout(t);
    this.worlds.close();
    this.socket.disconnect();
    this.listeners.clear();
    this.eventListeners.clear();
  }

  /** Typed emit with ack and timeout (socket.io-client's `timeout().emitWithAck`); never rejects. */
  async call<E extends CallName>(event: E, payload: PayloadOf<E>): Promise<AckOf<E>> {
    try {
      const timed = this.socket.timeout(this.o.ackTimeoutMs ?? 10_000);
      // emitWithAck's rest parameter cannot be spelled for a generic E: the (event, payload) pair is checked by call's signature.
      return await (timed.emitWithAck.bind(timed) as <K extends CallName>(ev: K, p: PayloadOf<K>) => Promise<AckOf<K>>)(event, payload);
    } catch {
      return NO_ACK;
    }
  }

  /** Emit with an unchecked payload: for tests of the server's input validation only. */
  callUnchecked(event: CallName, payload: unknown): Promise<AckOf<CallName>> {
    return this.call(event as 'clock:ping', payload as PayloadOf<'clock:ping'>);
  }

  // ---- incoming ---------------------------------------------------------------------------------

  private update(fn: (r: RoomState) => RoomState, change: RoomChange): void {
    if (!this._room) return;
    const next = fn(this._room);
    if (next === this._room) return;
    this._room = next;
    this.emit(change);
  }

  private takeClock(c: PlaybackClock): void {
    if (!mirror.isNewerClock(this._clock, c)) return;
    const branchChanged = this._clock !== null && c.reason === 'branch';
    this._clock = c;
    if (this._room) this._room = mirror.withClock(this._room, c);
    this.emit('clock');
    // A clock-only socket learns of a branch switch from the clock: ask the room which branch it is on.
    if (branchChanged && this.delivery === 'segments') void this.refreshRoom();
  }

  private async refreshRoom(): Promise<void> {
    try {
      const room = await this.http.getRoom(this.roomId);
      if (!this._room || room.clock.version < (this._clock?.version ?? 0)) return;
      this._room = mirror.withBranchId(this._room, room.branchId);
      this.followBranch();
      this.emit('branch');
    } catch {
      // the next room:state or join brings it
    }
  }

  /** Segments delivery: make the world follow the room's branch. */
  private followBranch(): void {
    if (this.delivery === 'segments' && this._room) this.worlds.follow(this._room.battleId, this._room.branchId);
  }

  private takeKeyframe(m: KeyframeMsg): void {
    if (this._room) this._room = mirror.withBranchId(this._room, m.branchId);
    this.buffer.takeKeyframe(m);
    this.emit('state');
    const waiters = this.keyframeWaiters;
    this.keyframeWaiters = [];
    for (const w of waiters) w();
  }

  private takeEvents(m: TimelineEventsMsg): void {
    const r = this.buffer.takeEvents(m);
    if (r.kind === 'gap') {
      // A hole in the stream: our world can no longer be trusted. Resync (at most every 2 s).
      if (this.now() - this.lastRejoin > 2000 && !this.closed) {
        this.lastRejoin = this.now();
        void this.join();
      }
      return;
    }
    if (r.kind === 'fresh') for (const fn of this.eventListeners) fn(r.events, m.branchId);
  }

  private setStatus(s: ConnectionStatus): void {
    if (this._status === s) return;
    this._status = s;
    this.emit('connection');
  }

  private emit(c: RoomChange): void {
    for (const fn of this.listeners) fn(c);
  }
}
