import type { Router } from 'express';
import type { Metrics } from '../metrics.js';
import type { RoomService } from '../rooms/RoomService.js';
import type { VoteStudyDeps } from '../socket/deps.js';
import { MemoryStudyStore, type StudyStore } from '../study/store.js';
import { StudyService, type StudyLimits } from '../study/StudyService.js';
import { StudyWorker, type StudyRunner } from '../study/StudyWorker.js';
import type { IO } from '../types.js';
import { MemoryVoteStore } from './memory.js';
import { voteStudyExtras, voteStudyRouter, type RoomExtras } from './routes.js';
import { TallyBroadcaster } from './TallyBroadcaster.js';
import type { VoteStore } from './types.js';
import { VoteService } from './VoteService.js';

// Builds the votes + statistics feature for createApp(): services, the coalesced tally broadcaster,
// the study worker, the HTTP routes. Kept here so server/app.ts only gains a few lines.

export interface VoteStudyOptions {
  votes?: VoteStore;
  studies?: StudyStore;
  /** Default: a StudyWorker (worker thread), closed with the app. */
  runner?: StudyRunner;
  limits?: StudyLimits;
  /** Minimum time between two tally broadcasts of one vote. */
  tallyIntervalMs?: number;
  /** Close the stores with the app (index.ts with Redis). */
  ownsStores?: boolean;
}

export interface VoteStudy {
  deps: VoteStudyDeps;
  router: Router;
  extras: RoomExtras;
  close(): Promise<void>;
}

export function createVoteStudy(io: IO, rooms: RoomService, metrics: Metrics, now: () => number, o: VoteStudyOptions = {}): VoteStudy {
  const voteStore = o.votes ?? new MemoryVoteStore();
  const studyStore = o.studies ?? new MemoryStudyStore();
  const votes = new VoteService(voteStore, rooms, now);
  const tallies = new TallyBroadcaster(async (roomId, voteId) => {
    const { yourChoice: _mine, ...state } = await votes.state(roomId, voteId);
    io.to(roomId).emit('vote:state', state);
    metrics.broadcasts.inc({ kind: 'vote' });
  }, o.tallyIntervalMs ?? 200);
  const studies = new StudyService(
    studyStore,
    rooms,
    o.runner ?? new StudyWorker(),
    {
      progress: (roomId, m) => {
        io.to(roomId).emit('study:progress', m);
        metrics.broadcasts.inc({ kind: 'study' });
      },
      result: (roomId, m) => {
        io.to(roomId).emit('study:result', m);
        metrics.broadcasts.inc({ kind: 'study' });
      },
    },
    now,
    o.limits,
  );
  const http = { rooms, votes, studies };
  return {
    deps: { votes, tallies, studies },
    router: voteStudyRouter(http),
    extras: voteStudyExtras(http),
    async close() {
      tallies.stop();
      await studies.close();
      if (o.ownsStores) await Promise.all([voteStore.close(), studyStore.close()]);
    },
  };
}
