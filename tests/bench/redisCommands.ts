import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createAdapter } from '@socket.io/redis-adapter';
import { pino } from 'pino';
import { createClient } from 'redis';
import { commandStats, resetStats, startRedis } from './ownRedis.js';
import { LightSocket } from './scale/lightSocket.js';
import type { Row } from './stats.js';
import { createRoom } from './rooms.js';

// `npm run bench -- redis`: Redis commands per second with ROOMS playing rooms across two server processes (two apps
// in this process, each with its own Redis store, adapter and playback loop), each room with a socket on both.
// WARDROOM_ROOT=<checkout> measures another checkout's server (e.g. the commit before clock changes went pub/sub).

const ROOT = process.env.WARDROOM_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const mod = <T>(p: string): Promise<T> => import(pathToFileURL(path.join(ROOT, p)).href) as Promise<T>;

type AppMod = typeof import('../../server/app.js');
type StoreMod = typeof import('../../server/store/redis.js');
type FixtureMod = typeof import('../server/fixtures/timeline.js');

export async function benchRedisCommands(rooms: number, windowMs: number): Promise<Row[]> {
  const [{ createApp }, { RedisStore }, { fixtureTimelines, FIXTURE_BATTLE }] = await Promise.all([
    mod<AppMod>('server/app.ts'),
    mod<StoreMod>('server/store/redis.ts'),
    mod<FixtureMod>('tests/server/fixtures/timeline.ts'),
  ]);
  const redis = await startRedis();
  const closers: (() => Promise<unknown>)[] = [];
  const sockets: LightSocket[] = [];
  try {
    const node = async () => {
      const store = await RedisStore.connect(redis.url, 'bench:');
      const pub = createClient({ url: redis.url });
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      const app = createApp({
        store,
        ownsStore: true,
        adapter: createAdapter(pub, sub, { key: 'bench:socket.io' }),
        timelines: fixtureTimelines(),
        logger: pino({ level: 'silent' }),
        clientDist: null,
        rateLimit: { points: 1e6, durationS: 1 },
      });
      const port = await app.listen(0, '127.0.0.1');
      closers.push(async () => {
        await app.close();
        await Promise.all([pub.close(), sub.close()]);
      });
      return `http://127.0.0.1:${port}`;
    };
    const [a, b] = [await node(), await node()];
    for (let i = 0; i < rooms; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, rooms - i) }, async () => {
          const { roomId, instructorKey } = await createRoom(a, FIXTURE_BATTLE);
          const inst = await LightSocket.connect(a);
          const viewer = await LightSocket.connect(b);
          sockets.push(inst, viewer);
          await inst.call('room:join', { roomId, name: 'inst', instructorKey, delivery: 'segments' });
          await viewer.call('room:join', { roomId, name: 'viewer', delivery: 'segments' });
          await inst.call('playback:rate', { rate: 0.25 }); // 240 s of playback: still playing when the window ends
          await inst.call('playback:play', {});
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 3000));
    await resetStats(redis.url);
    await new Promise((r) => setTimeout(r, windowMs));
    const { total, top } = await commandStats(redis.url);
    const perS = total / (windowMs / 1000);
    return [
      {
        bench: `redis: ${rooms} playing rooms, 2 processes`,
        battle: 'fixture',
        value: perS,
        unit: 'commands/s',
        note: `${(perS / rooms).toFixed(2)} per room per s, nothing changing; busiest: ${top.map(([c, n]) => `${c} ${(n / (windowMs / 1000)).toFixed(0)}/s`).join(', ')}; server ${ROOT}`,
      },
    ];
  } finally {
    for (const s of sockets) s.close();
    for (const c of closers.reverse()) await c().catch(() => {});
    await redis.stop();
  }
}
