import { pino } from 'pino';
import { createApp, type App, type AppOptions } from '../../server/app.js';

// The in-process benches' server: real, on loopback, with the benches' settings (rooms: ./rooms.ts).

export interface BenchServer {
  app: App;
  url: string;
  close(): Promise<void>;
}

/** A real server on an ephemeral loopback port: silent, no client bundle, a socket rate limit no bench reaches. */
export async function benchServer(opts: AppOptions = {}): Promise<BenchServer> {
  const app = createApp({ logger: pino({ level: 'silent' }), clientDist: null, rateLimit: { points: 1000, durationS: 1 }, ...opts });
  const port = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
