import { Worker } from 'node:worker_threads';
import type { DecisionChoice } from '../../shared/battle/types.js';
import type { StudyStats } from '../../shared/protocol/events.js';
import type { StudyReply, StudyRequest } from './worker/protocol.js';

export interface StudyJobHandle {
  /** Resolves with both distributions, or null when cancelled; rejects on a failure. */
  result: Promise<{ branch: StudyStats; history: StudyStats } | null>;
  cancel(): void;
}

export interface StudyRunner {
  run(
    job: { jobId: string; battleId: string; decisions: DecisionChoice[]; seed: number; runs: number },
    onProgress: (done: number) => void,
  ): StudyJobHandle;
  close(): Promise<void>;
}

/** The study engine on a worker thread (spawned on first use, respawned after a crash). */
export class StudyWorker implements StudyRunner {
  private worker: Worker | null = null;
  private readonly jobs = new Map<
    string,
    {
      progress: (done: number) => void;
      resolve: (v: { branch: StudyStats; history: StudyStats } | null) => void;
      reject: (e: Error) => void;
    }
  >();

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const fromTs = import.meta.url.endsWith('.ts');
    const url = new URL(`./worker/studyWorker.${fromTs ? 'ts' : 'js'}`, import.meta.url);
    // From TypeScript sources (tsx, vitest): register tsx's loader in the worker first (as WorkerTimelineService does).
    const w = fromTs
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true },
        )
      : new Worker(url);
    w.on('message', (m: StudyReply) => {
      const job = this.jobs.get(m.jobId);
      if (!job) return;
      if (m.type === 'progress') return job.progress(m.done);
      this.jobs.delete(m.jobId);
      if (m.type === 'done') job.resolve({ branch: m.branch, history: m.history });
      else if (m.type === 'cancelled') job.resolve(null);
      else job.reject(new Error(m.message));
    });
    const fail = (err: Error) => {
      this.worker = null;
      for (const j of this.jobs.values()) j.reject(err);
      this.jobs.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`study worker exited (${code})`)));
    w.unref();
    this.worker = w;
    return w;
  }

  run(
    job: { jobId: string; battleId: string; decisions: DecisionChoice[]; seed: number; runs: number },
    onProgress: (done: number) => void,
  ): StudyJobHandle {
    const w = this.spawn();
    const result = new Promise<{ branch: StudyStats; history: StudyStats } | null>((resolve, reject) => {
      this.jobs.set(job.jobId, { progress: onProgress, resolve, reject });
    });
    w.postMessage({ type: 'run', ...job } satisfies StudyRequest);
    return {
      result,
      cancel: () => this.worker?.postMessage({ type: 'cancel', jobId: job.jobId } satisfies StudyRequest),
    };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
