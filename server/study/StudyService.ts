import { randomBytes } from 'node:crypto';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { Member, StudyProgressMsg, StudyResultMsg, StudyStats } from '../../shared/protocol/events.js';
import { MAX_STUDY_RUNS } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import type { RoomService } from '../rooms/RoomService.js';
import { emptyStats } from './core.js';
import type { StudyJobHandle, StudyRunner } from './StudyWorker.js';
import { studyKey, type StudyStore } from './store.js';

// Study use cases: a FIFO queue per process (one study computes at a time on the study worker), a
// per-room limit, progress, cancel, and the (branch, runs, seed) cache. Emits through `out` so it
// knows nothing of sockets.

export interface StudyOutput {
  progress(roomId: string, m: StudyProgressMsg): void;
  result(roomId: string, m: StudyResultMsg): void;
}

export interface StudyLimits {
  /** Studies queued or running per room. */
  perRoom: number;
  /** Studies queued or running on this process. */
  total: number;
}

interface Job {
  studyId: string;
  roomId: string;
  key: string;
  battleId: string;
  branchId: string;
  decisions: DecisionChoice[];
  seed: number;
  runs: number;
  requestedBy: string;
  memberId: string;
  done: number;
  handle: StudyJobHandle | null;
  cancelled: boolean;
}

export class StudyService {
  private readonly queue: Job[] = [];
  private active: Job | null = null;
  /** Finished results across rooms (same battle + branch + runs + seed = same numbers). */
  private readonly recent = new Map<string, StudyResultMsg>();

  constructor(
    readonly store: StudyStore,
    private readonly rooms: RoomService,
    private readonly runner: StudyRunner,
    private readonly out: StudyOutput,
    private readonly now: () => number,
    private readonly limits: StudyLimits = { perRoom: 2, total: 16 },
  ) {}

  private jobs(): Job[] {
    return this.active ? [this.active, ...this.queue] : [...this.queue];
  }

  private progressOf(j: Job): StudyProgressMsg {
    return {
      studyId: j.studyId,
      branchId: j.branchId,
      done: j.done,
      runs: j.runs,
      queued: j === this.active ? 0 : this.queue.indexOf(j) + 1,
    };
  }

  /** Studies queued or running for a room, in queue order. */
  running(roomId: string): StudyProgressMsg[] {
    return this.jobs()
      .filter((j) => j.roomId === roomId)
      .map((j) => this.progressOf(j));
  }

  results(roomId: string): Promise<StudyResultMsg[]> {
    return this.store.listResults(roomId);
  }

  /** Study the room's current branch over `runs` seeds (capped at MAX_STUDY_RUNS) against history. */
  async run(roomId: string, member: Member, requested: number): Promise<{ studyId: string; runs: number; cached: boolean }> {
    const runs = Math.min(MAX_STUDY_RUNS, requested);
    const { room, timeline } = await this.rooms.load(roomId);
    const key = studyKey(timeline.branchId, runs, timeline.seed);
    const studyId = `s_${randomBytes(6).toString('base64url')}`;
    const hit = (await this.store.getResult(roomId, key)) ?? this.recent.get(`${room.battleId}|${key}`);
    if (hit) {
      const result: StudyResultMsg = { ...hit, studyId, requestedBy: member.name, cached: true };
      await this.store.putResult(roomId, key, { ...hit, cached: false });
      this.out.result(roomId, result);
      return { studyId, runs, cached: true };
    }
    const same = this.jobs().find((j) => j.roomId === roomId && j.key === key);
    if (same) return { studyId: same.studyId, runs, cached: false };
    if (this.jobs().filter((j) => j.roomId === roomId).length >= this.limits.perRoom) {
      throw new AppError('RATE_LIMITED', `this room already has ${this.limits.perRoom} studies queued or running; wait or cancel one`);
    }
    if (this.jobs().length >= this.limits.total)
      throw new AppError('RATE_LIMITED', 'the server is busy with other studies; try again later');
    const job: Job = {
      studyId,
      roomId,
      key,
      battleId: room.battleId,
      branchId: timeline.branchId,
      decisions: timeline.decisions,
      seed: timeline.seed,
      runs,
      requestedBy: member.name,
      memberId: member.memberId,
      done: 0,
      handle: null,
      cancelled: false,
    };
    this.queue.push(job);
    this.out.progress(roomId, this.progressOf(job));
    this.pump();
    return { studyId, runs, cached: false };
  }

  /** The requester or the instructor may cancel; a queued study leaves the queue, a running one stops after its current run. */
  cancel(roomId: string, member: Member, studyId: string): void {
    const job = this.jobs().find((j) => j.roomId === roomId && j.studyId === studyId);
    if (!job) throw new AppError('NOT_FOUND', `no study ${studyId} queued or running in this room (on this server)`);
    if (member.role !== 'instructor' && member.memberId !== job.memberId)
      throw new AppError('FORBIDDEN', 'only who asked for the study, or the instructor, may cancel it');
    job.cancelled = true;
    if (job === this.active) {
      job.handle?.cancel();
      return;
    }
    this.queue.splice(this.queue.indexOf(job), 1);
    void this.finish(job, 'cancelled', null, 'cancelled while queued');
    this.announceQueue();
  }

  private announceQueue(): void {
    for (const j of this.queue) this.out.progress(j.roomId, this.progressOf(j));
  }

  private pump(): void {
    if (this.active || !this.queue.length) return;
    const job = this.queue.shift()!;
    this.active = job;
    this.announceQueue();
    this.out.progress(job.roomId, this.progressOf(job));
    job.handle = this.runner.run(
      { jobId: job.studyId, battleId: job.battleId, decisions: job.decisions, seed: job.seed, runs: job.runs },
      (done) => {
        job.done = done;
        this.out.progress(job.roomId, this.progressOf(job));
      },
    );
    job.handle.result
      .then(
        (r) => (r ? this.finish(job, 'done', r) : this.finish(job, 'cancelled', null, 'cancelled')),
        (err: Error) => this.finish(job, 'failed', null, err.message),
      )
      .finally(() => {
        this.active = null;
        this.pump();
      });
  }

  private async finish(
    job: Job,
    status: StudyResultMsg['status'],
    r: { branch: StudyStats; history: StudyStats } | null,
    message?: string,
  ): Promise<void> {
    const result: StudyResultMsg = {
      ...(r?.branch ?? emptyStats()),
      studyId: job.studyId,
      battleId: job.battleId,
      branchId: job.branchId,
      decisions: job.decisions,
      runs: job.runs,
      seed: job.seed,
      history: r?.history ?? emptyStats(),
      status,
      ...(message ? { message } : {}),
      requestedBy: job.requestedBy,
      finishedAt: this.now(),
      cached: false,
    };
    if (status === 'done') {
      this.recent.set(`${job.battleId}|${job.key}`, result);
      while (this.recent.size > 200) this.recent.delete(this.recent.keys().next().value as string);
      // Stored before it is announced, so the export has it; a store outage still lets the room see it.
      await this.store.putResult(job.roomId, job.key, result).catch(() => {});
    }
    this.out.result(job.roomId, result);
  }

  async close(): Promise<void> {
    for (const j of this.queue.splice(0)) j.cancelled = true;
    await this.runner.close();
  }
}
