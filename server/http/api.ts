import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { summarizeTimeline } from '../../shared/battle/timeline.js';
import type { RoomState } from '../../shared/protocol/events.js';
import { CreateRoomSchema } from '../../shared/protocol/schemas.js';
import { debriefMarkdown } from '../annotations/debrief.js';
import { AppError, HTTP_STATUS } from '../errors.js';
import { sendCachedJson } from './send.js';
import type { Metrics } from '../metrics.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { TimelineService } from '../timelines/TimelineService.js';

const idParam = z.string().min(1).max(128);
const TimelineQuery = z.object({ branch: idParam.optional() });
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
  /** Live counts for /healthz. */
  health: () => { rooms: number; sockets: number };
}

export function apiRouter(d: ApiDeps): express.Router {
  const r = express.Router();
  r.use(express.json({ limit: '1mb' }));

  r.get('/api/battles', async (_req, res) => {
    const battles = await d.timelines.listBattles();
    // The lobby needs no map geometry: leave it out of the listing.
    res.json({ battles: battles.map(({ map: _m, ...rest }) => rest) });
  });

  r.get('/api/battles/:battleId', async (req, res) => {
    const battleId = parse(idParam, req.params.battleId);
    const battle = await d.timelines.battle(battleId);
    const tl = battle && (await d.timelines.timeline(battleId));
    if (!battle || !tl) throw new AppError('NOT_FOUND', `unknown battle ${battleId}`);
    res.json({ battle, timeline: summarizeTimeline(tl) });
  });

  r.get('/api/battles/:battleId/timeline', async (req, res) => {
    const battleId = parse(idParam, req.params.battleId);
    const q = parse(TimelineQuery, req.query);
    const tl = await d.timelines.timeline(battleId, q.branch);
    if (!tl) throw new AppError('NOT_FOUND', q.branch ? `unknown branch ${q.branch} of ${battleId}` : `unknown battle ${battleId}`);
    await sendCachedJson(req, res, tl, `${tl.branchId}-${tl.eventsSha256.slice(0, 16)}`, () => tl);
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
    });
  });

  r.get('/api/rooms/:roomId', async (req, res) => {
    const state: RoomState = await d.rooms.state(parse(idParam, req.params.roomId));
    res.json(state);
  });

  r.get('/api/rooms/:roomId/annotations', async (req, res) => {
    const roomId = parse(idParam, req.params.roomId);
    const q = parse(AnnotationsQuery, req.query);
    const { room, playhead } = await d.rooms.load(roomId);
    if (q.format === 'md') {
      const branchId = q.branch ?? playhead.branchId;
      const [info, tl, annotations] = await Promise.all([
        d.timelines.battle(room.battleId),
        d.rooms.timelineOf(roomId, room.battleId, branchId),
        d.rooms.annotations(roomId, branchId),
      ]);
      if (!info) throw new AppError('NOT_FOUND', `unknown battle ${room.battleId}`);
      res.type('text/markdown; charset=utf-8').send(debriefMarkdown(info, tl, annotations, roomId));
      return;
    }
    res.json({ roomId, battleId: room.battleId, branchId: playhead.branchId, annotations: await d.rooms.annotations(roomId, q.branch) });
  });

  r.get('/healthz', (_req, res) => {
    res.json({ ok: true, ...d.health() });
  });

  r.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });

  r.use('/api', (_req, _res) => {
    throw new AppError('NOT_FOUND', 'no such API route');
  });

  return r;
}

/** Every error becomes `{ok:false,error:{code,message}}` with a 4xx/5xx status. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof AppError) {
      res.status(HTTP_STATUS[err.code]).json({ ok: false, error: { code: err.code, message: err.message } });
      return;
    }
    const status = typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status >= 400 && status < 500) {
      // body-parser: malformed JSON, payload too large, wrong charset
      res.status(status).json({ ok: false, error: { code: 'BAD_REQUEST', message: err instanceof Error ? err.message : 'bad request' } });
      return;
    }
    logger.error({ err }, 'http handler failed');
    res.status(500).json({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
  };
}
