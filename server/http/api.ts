import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Timeline } from '../../shared/battle/timeline.js';
import type {
  AnnotationsResponse,
  BattleListResponse,
  BattleResponse,
  BranchTreeResponse,
  CreateRoomResponse,
  HealthResponse,
  HttpErrorBody,
  RoomResponse,
  TimelineResponse,
} from '../../shared/protocol/http.js';
import { CreateRoomSchema } from '../../shared/protocol/schemas.js';
import { debriefMarkdown } from '../annotations/debrief.js';
import { AppError, HTTP_STATUS } from '../errors.js';
import type { HealthReport } from '../health.js';
import { roomBranchTree } from './branchTree.js';
import { sendCachedJson } from './send.js';
import type { Metrics } from '../metrics.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { TimelineService } from '../timelines/TimelineService.js';
import type { ChatService } from '../chat/ChatService.js';
import type { SegmentStore } from '../timelines/SegmentStore.js';

const idParam = z.string().min(1).max(128);
const TimelineQuery = z.object({
  branch: idParam.optional(),
  /** `none`: events only (clients that fold their own keyframes; a big battle's keyframes are ~100 MB). */
  keyframes: z.enum(['all', 'none']).optional(),
  /** A room that recorded the branch: lets a process that never compiled it rebuild it from the room's decisions. */
  room: idParam.optional(),
});
const AnnotationsQuery = z.object({ format: z.enum(['json', 'md']).optional(), branch: idParam.optional() });

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError('BAD_REQUEST', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

export interface ApiDeps {
  rooms: RoomService;
  timelines: TimelineService;
  metrics: Metrics;
  logger: Logger;
  /** /healthz: live counts, and whether every backend answers (503 with a reason when not). */
  health: () => Promise<HealthReport>;
  /** Chat and reactions join the export and the debrief (issue #11). */
  chat?: ChatService;
  /** Votes and what-if statistics appended to the room export and the debrief. */
  roomExtras?: import('../votes/routes.js').RoomExtras;
  /** Branch manifests (decision points for the branch tree without copying timelines). */
  segments?: SegmentStore;
  /** Largest keyframe list (estimated JSON bytes) the full-timeline route builds; default MAX_KEYFRAME_JSON_BYTES. */
  maxKeyframeJsonBytes?: number;
}

export function apiRouter(d: ApiDeps): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));
  // Through the rooms' TimelineCache: one object per branch (ETag/gzip cache is keyed by it, and a
  // worker-backed service would otherwise copy the timeline across threads on every request).
  const timelineOf = async (battleId: string, branchId?: string) => {
    const id = branchId ?? (await d.timelines.canonicalBranchId(battleId));
    return id ? d.rooms.timelines.get(battleId, id) : null;
  };

  r.get('/api/battles', async (_req, res) => {
    const battles = await d.timelines.listBattles();
    // The lobby needs no map geometry: leave it out of the listing.
    res.json({ battles: battles.map(({ map: _m, ...rest }) => rest) } satisfies BattleListResponse);
  });

  r.get('/api/battles/:battleId', async (req, res) => {
    const battleId = parse(idParam, req.params.battleId);
    const battle = await d.timelines.battle(battleId);
    // Metadata only: the summary has no events, so none are copied to this thread for it.
    const id = battle && (await d.timelines.canonicalBranchId(battleId));
    const meta = id ? await d.rooms.timelines.meta(battleId, id) : null;
    if (!battle || !meta) throw new AppError('NOT_FOUND', `unknown battle ${battleId}`);
    res.json({ battle, timeline: meta } satisfies BattleResponse);
  });

  r.get('/api/battles/:battleId/timeline', async (req, res) => {
    const battleId = parse(idParam, req.params.battleId);
    const q = parse(TimelineQuery, req.query);
    const tl = q.room && q.branch ? await d.rooms.timelineOf(q.room, battleId, q.branch) : await timelineOf(battleId, q.branch);
    if (!tl) throw new AppError('NOT_FOUND', q.branch ? `unknown branch ${q.branch} of ${battleId}` : `unknown battle ${battleId}`);
    if (q.keyframes === 'none') {
      const lean = leanTimeline(tl);
      await sendCachedJson(req, res, lean, `${tl.branchId}-${tl.eventsSha256.slice(0, 16)}-nokf`, () => lean satisfies TimelineResponse);
      return;
    }
    // Keyframes of a 20,000-unit battle are ~10 MB of JSON each: the whole list would not fit in one string.
    const kfBytes = estimatedKeyframeBytes(tl);
    if (kfBytes > (d.maxKeyframeJsonBytes ?? MAX_KEYFRAME_JSON_BYTES))
      throw new AppError(
        'TOO_LARGE',
        `this timeline's keyframes are ~${Math.round(kfBytes / 2 ** 20)} MB of JSON; ask with keyframes=none, or read its segments (/api/battles/${battleId}/branches/${tl.branchId}/manifest)`,
      );
    await sendCachedJson(req, res, tl, `${tl.branchId}-${tl.eventsSha256.slice(0, 16)}`, () => tl satisfies TimelineResponse);
  });

  r.post('/api/rooms', async (req, res) => {
    const body = parse(CreateRoomSchema, req.body ?? {});
    const { room } = await d.rooms.createRoom(body);
    res.status(201).json({
      roomId: room.roomId,
      instructorKey: room.instructorKey,
      joinUrl: `/room/${room.roomId}`,
      instructorUrl: `/room/${room.roomId}#key=${room.instructorKey}`,
      room: await d.rooms.state(room.roomId),
    } satisfies CreateRoomResponse);
  });

  r.get('/api/rooms/:roomId', async (req, res) => {
    res.json((await d.rooms.state(parse(idParam, req.params.roomId))) satisfies RoomResponse);
  });

  r.get('/api/rooms/:roomId/branches', async (req, res) => {
    res.json((await roomBranchTree(d.rooms, parse(idParam, req.params.roomId), d.segments)) satisfies BranchTreeResponse);
  });

  r.get('/api/rooms/:roomId/annotations', async (req, res) => {
    const roomId = parse(idParam, req.params.roomId);
    const q = parse(AnnotationsQuery, req.query);
    const { room, playhead } = await d.rooms.load(roomId);
    if (q.format === 'md') {
      const branchId = q.branch ?? playhead.branchId;
      const [info, tl, annotations, chat] = await Promise.all([
        d.timelines.battle(room.battleId),
        d.rooms.timelineOf(roomId, room.battleId, branchId),
        d.rooms.annotations(roomId, branchId),
        d.chat?.history(roomId, branchId),
      ]);
      if (!info) throw new AppError('NOT_FOUND', `unknown battle ${room.battleId}`);
      const extra = d.roomExtras
        ? await d.roomExtras.markdown(roomId, branchId, (id) => tl.decisionPoints.find((p) => p.id === id)?.atMs ?? null)
        : [];
      res.type('text/markdown; charset=utf-8').send(debriefMarkdown(info, tl, annotations, roomId, extra, chat));
      return;
    }
    const extra = d.roomExtras ? await d.roomExtras.json(roomId) : {};
    const chat = d.chat ? await d.chat.history(roomId, q.branch) : undefined;
    res.json({
      roomId,
      battleId: room.battleId,
      branchId: playhead.branchId,
      annotations: await d.rooms.annotations(roomId, q.branch),
      ...extra,
      ...(chat ? { chat: { messages: chat.messages, reactions: chat.reactions } } : {}),
    } satisfies AnnotationsResponse);
  });

  r.get('/healthz', async (_req, res) => {
    const h = await d.health();
    res.status(h.ok ? 200 : 503).json(h satisfies HealthResponse);
  });

  r.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });

  r.use('/api', (_req, _res) => {
    throw new AppError('NOT_FOUND', 'no such API route');
  });

  return r;
}

/** Largest keyframe list the full-timeline route serves (JSON bytes, estimated). */
export const MAX_KEYFRAME_JSON_BYTES = 256 * 2 ** 20;
/** A unit is ~450-500 bytes of keyframe JSON (measured on the three battles); an estimate, so nothing is built to know. */
const KEYFRAME_BYTES_PER_UNIT = 500;
function estimatedKeyframeBytes(tl: Timeline): number {
  let units = 0;
  for (const k of tl.keyframes) units += Object.keys(k.state.units).length;
  return units * KEYFRAME_BYTES_PER_UNIT;
}

// One events-only copy per timeline object, so its encoded JSON is cached like the full one.
const leanCopies = new WeakMap<Timeline, Timeline>();
function leanTimeline(tl: Timeline): Timeline {
  let lean = leanCopies.get(tl);
  if (!lean) leanCopies.set(tl, (lean = { ...tl, keyframes: [] }));
  return lean;
}

/** Every error becomes `{ok:false,error:{code,message}}` with a 4xx/5xx status. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof AppError) {
      res.status(HTTP_STATUS[err.code]).json({ ok: false, error: { code: err.code, message: err.message } } satisfies HttpErrorBody);
      return;
    }
    const status = typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status >= 400 && status < 500) {
      // body-parser: malformed JSON, payload too large, wrong charset
      res.status(status).json({
        ok: false,
        error: { code: 'BAD_REQUEST', message: err instanceof Error ? err.message : 'bad request' },
      } satisfies HttpErrorBody);
      return;
    }
    logger.error({ err }, 'http handler failed');
    res.status(500).json({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } } satisfies HttpErrorBody);
  };
}
