import { pino } from 'pino';
import { createApp, type App, type AppOptions } from '../../server/app.js';

// What the in-process benches share: a real server on loopback with the benches' settings, and room creation
// over the public API.

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

/** POST /api/rooms for `battleId`; fails naming the status when the server refuses. */
export async function createRoom(url: string, battleId: string): Promise<{ roomId: string; instructorKey: string }> {
  const res = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ battleId }),
  });
  if (res.status !== 201) throw new Error(`POST /api/rooms ${res.status}: ${await res.text()}`);
  return (await res.json()) as { roomId: string; instructorKey: string };
}
