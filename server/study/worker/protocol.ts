import type { DecisionChoice } from '../../../shared/battle/types.js';
import type { StudyStats } from '../../../shared/protocol/events.js';

// Messages between StudyWorker (main thread) and studyWorker.ts (the engine on its own thread).

export type StudyRequest =
  | { type: 'run'; jobId: string; battleId: string; decisions: DecisionChoice[]; seed: number; runs: number }
  | { type: 'cancel'; jobId: string };

export type StudyReply =
  | { type: 'progress'; jobId: string; done: number }
  | { type: 'done'; jobId: string; branch: StudyStats; history: StudyStats }
  | { type: 'cancelled'; jobId: string }
  | { type: 'error'; jobId: string; message: string };
