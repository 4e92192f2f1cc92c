import express from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { StudyService } from '../study/StudyService.js';
import { studiesMarkdown } from '../study/debrief.js';
import { votesMarkdown } from './debrief.js';
import type { VoteService } from './VoteService.js';
import type { StudyResultMsg, VoteState } from '../../shared/protocol/events.js';
import type { StudiesResponse, VotesResponse } from '../../shared/protocol/http.js';

// GET /api/rooms/:roomId/votes and /studies (the room's votes and statistics, as exported), and the
// extras the room export and the Markdown debrief append (server/http/api.ts calls `roomExtras`).

const idParam = z.string().min(1).max(128);

function roomIdOf(raw: unknown): string {
  const r = idParam.safeParse(raw);
  if (!r.success) throw new AppError('BAD_REQUEST', 'roomId: invalid');
  return r.data;
}

export interface VoteStudyHttpDeps {
  rooms: RoomService;
  votes: VoteService;
  studies: StudyService;
}

export function voteStudyRouter(d: VoteStudyHttpDeps): express.Router {
  const r = express.Router();
  r.get('/api/rooms/:roomId/votes', async (req, res) => {
    const roomId = roomIdOf(req.params.roomId);
    await d.rooms.room(roomId);
    res.json({ roomId, votes: await d.votes.list(roomId) } satisfies VotesResponse);
  });
  r.get('/api/rooms/:roomId/studies', async (req, res) => {
    const roomId = roomIdOf(req.params.roomId);
    await d.rooms.room(roomId);
    res.json({ roomId, results: await d.studies.results(roomId), running: d.studies.running(roomId) } satisfies StudiesResponse);
  });
  return r;
}

/** What the room export (JSON) and the debrief (Markdown) add for votes and studies. */
export function voteStudyExtras(d: VoteStudyHttpDeps) {
  return {
    async json(roomId: string): Promise<{ votes: VoteState[]; studies: StudyResultMsg[] }> {
      const [votes, studies] = await Promise.all([d.votes.list(roomId), d.studies.results(roomId)]);
      return { votes, studies };
    },
    async markdown(roomId: string, branchId: string, decisionAtMs: (decisionId: string) => number | null): Promise<string[]> {
      const [votes, studies] = await Promise.all([d.votes.list(roomId), d.studies.results(roomId)]);
      return [...votesMarkdown(votes, decisionAtMs), ...studiesMarkdown(studies, branchId)];
    },
  };
}

export type RoomExtras = ReturnType<typeof voteStudyExtras>;
