import { parentPort } from 'node:worker_threads';
import type { DecisionChoice } from '../../../shared/battle/types.js';
import { compileBattle, getBattle } from '../../../replays/index.js';
import { aggregate, sampleOf, type RunSample } from '../core.js';
import type { StudyReply, StudyRequest } from './protocol.js';

// Study runs on their own thread: each run compiles the whole battle with another seed (0.1-5 s of CPU
// per run), which on the main thread would freeze every room's playback. One job at a time; the loop
// yields between runs so a cancel message is seen before the next compile.

const port = parentPort;
if (!port) throw new Error('studyWorker must run as a worker thread');

// Per-seed outcomes are small; keeping them makes history's side of every study on a battle (and a
// larger N after a smaller one) cost only the runs not seen yet.
const samples = new Map<string, RunSample>();
const MAX_SAMPLES = 20_000;
const cancelled = new Set<string>();
const queue: Extract<StudyRequest, { type: 'run' }>[] = [];
let busy = false;

function sample(battleId: string, decisions: DecisionChoice[], seed: number): RunSample {
  const key = `${battleId}|${JSON.stringify(decisions)}|${seed}`;
  let s = samples.get(key);
  if (!s) {
    const def = getBattle(battleId);
    if (!def) throw new Error(`unknown battle ${battleId}`);
    s = sampleOf(compileBattle(def, { seed, decisions }).timeline.outcome);
    if (samples.size >= MAX_SAMPLES) samples.delete(samples.keys().next().value as string);
    samples.set(key, s);
  }
  return s;
}

const yieldToMessages = () => new Promise<void>((r) => setImmediate(r));
const send = (m: StudyReply) => port.postMessage(m);

async function runJob(job: Extract<StudyRequest, { type: 'run' }>): Promise<void> {
  const branch: RunSample[] = [];
  const history: RunSample[] = [];
  for (let i = 0; i < job.runs; i++) {
    await yieldToMessages();
    if (cancelled.delete(job.jobId)) return send({ type: 'cancelled', jobId: job.jobId });
    const seed = job.seed + i;
    const h = sample(job.battleId, [], seed);
    history.push(h);
    branch.push(job.decisions.length ? sample(job.battleId, job.decisions, seed) : h);
    send({ type: 'progress', jobId: job.jobId, done: i + 1 });
  }
  send({ type: 'done', jobId: job.jobId, branch: aggregate(branch), history: aggregate(history) });
}

async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  while (queue.length) {
    const job = queue.shift()!;
    try {
      await runJob(job);
    } catch (err) {
      send({ type: 'error', jobId: job.jobId, message: err instanceof Error ? err.message : String(err) });
    }
    cancelled.delete(job.jobId);
  }
  busy = false;
}

port.on('message', (req: StudyRequest) => {
  if (req.type === 'cancel') {
    const i = queue.findIndex((j) => j.jobId === req.jobId);
    if (i >= 0) {
      queue.splice(i, 1);
      send({ type: 'cancelled', jobId: req.jobId });
    } else cancelled.add(req.jobId);
    return;
  }
  queue.push(req);
  void drain();
});
