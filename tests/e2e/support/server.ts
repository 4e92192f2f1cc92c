import { pino } from 'pino';
import { createApp, type App, type AppOptions } from '../../../server/app.js';
import { TEST_HISTORY_CACHE } from '../../support/histories.js';

// A real Wardroom server on an ephemeral port, in memory, serving the built client.

export interface BootedServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

export async function bootServer(opts: Pick<AppOptions, 'forkSegmentPaceMs'> = {}): Promise<BootedServer> {
  const app = createApp({
    logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
    rateLimit: { points: 1000, durationS: 1 },
    historyCacheDir: TEST_HISTORY_CACHE,
    ...opts,
  });
  const port = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
