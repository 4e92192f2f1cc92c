import { parentPort } from 'node:worker_threads';
import { AppError } from '../../errors.js';
import { EngineTimelineService } from '../EngineTimelineService.js';
import type { Request, Response } from './protocol.js';

// The engine on its own thread: compiling a large battle or fork takes seconds of CPU, which on the
// main thread would freeze every room's playback. Results go back by structured clone (which keeps the
// keyframes' shared structure, so a timeline crosses in well under a second).

const engine = new EngineTimelineService();
const port = parentPort;
if (!port) throw new Error('timelineWorker must run as a worker thread');

port.on('message', (req: Request) => {
  void (async () => {
    let res: Response;
    try {
      const fn = engine[req.method] as (...args: unknown[]) => Promise<unknown>;
      res = { id: req.id, ok: true, result: await fn.apply(engine, req.args) };
    } catch (err) {
      res = { id: req.id, ok: false, error: { code: err instanceof AppError ? err.code : null, message: err instanceof Error ? err.message : String(err) } };
    }
    port.postMessage(res);
  })();
});
