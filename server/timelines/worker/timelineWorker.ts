import { parentPort, workerData } from 'node:worker_threads';
import { summarizeTimeline, type Timeline } from '../../../shared/battle/timeline.js';
import { AppError } from '../../errors.js';
import { EngineTimelineService } from '../EngineTimelineService.js';
import { FORK_TRACE, mark, traceGc } from '../forkTrace.js';
import type { Request, WorkerMessage, WorkerOptions } from './protocol.js';

// The engine on its own thread: compiling a large battle or fork takes seconds of CPU, which on the
// main thread would freeze every room's playback. Results go back by structured clone (which keeps the
// keyframes' shared structure, so a timeline crosses in well under a second). Segments are built and
// compressed here too, and pushed to the main thread as they are ready (progress messages).

const port = parentPort;
if (!port) throw new Error('timelineWorker must run as a worker thread');
const post = (m: WorkerMessage) => port.postMessage(m);
// Validated by the main thread (server/config.ts) before it starts the worker.
const options = (workerData ?? {}) as WorkerOptions;
// Messages wait in the port's queue meanwhile (it starts with the 'message' listener below).
for (const url of options.preload ?? []) await import(url);
const engine = new EngineTimelineService(options);
engine.onProgress((progress) => {
  if (FORK_TRACE)
    mark('worker:progress', `${progress.manifest.branchId.slice(0, 12)} ${progress.early?.length ?? 0}e ${progress.segments.length}s`);
  post({ progress });
});
engine.onFailed((battleId, branchId) => post({ failed: { battleId, branchId } }));
traceGc();

port.on('message', (req: Request) => {
  mark('worker:recv', `${req.method}#${req.id}`);
  void (async () => {
    let res: WorkerMessage;
    try {
      const interim = (v: unknown) => {
        mark('worker:interim', `#${req.id}`);
        post({ id: req.id, interim: v });
      };
      const args = req.method === 'fork' ? [...req.args.slice(0, 4), interim] : req.args;
      const fn = engine[req.method] as (...args: unknown[]) => Promise<unknown>;
      let result = await fn.apply(engine, args);
      // A fork's events and keyframes stay here: copying a large timeline stalls the main thread for a while,
      // and it is fetched (timeline()) only if a room plays it over the socket. Its metadata (with the event
      // count) goes back, which the main thread keeps for room commands.
      if (req.method === 'fork' && result && typeof result === 'object' && 'events' in result) {
        result = summarizeTimeline(result as Timeline);
      }
      res = { id: req.id, ok: true, result };
    } catch (err) {
      res = {
        id: req.id,
        ok: false,
        error: { code: err instanceof AppError ? err.code : null, message: err instanceof Error ? err.message : String(err) },
      };
    }
    post(res);
  })();
});
