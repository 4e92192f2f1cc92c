import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisCameraStore } from '../../server/camera/redisCameraStore.js';
import { RedisChatStore } from '../../server/chat/redisChatStore.js';
import type { RedisClient } from '../../server/store/redis.js';
import type { CameraState, ChatHistory, ChatMessage, ReactionBatch } from '../../shared/protocol/events.js';
import { type Booted, boot, until } from './helpers.js';
import { REDIS_URL, redisAvailable, redisStore, testPrefix } from './redis.js';

// Camera and chat across two server processes (two apps wired as index.ts does with REDIS_URL):
// room store, chat/camera stores and the socket.io adapter all on one Redis.

const hasRedis = await redisAvailable();
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

async function node(prefix: string): Promise<Booted> {
  const store = await redisStore(prefix);
  const pub = createClient({ url: REDIS_URL });
  const sub = pub.duplicate();
  const together = pub.duplicate();
  for (const c of [pub, sub, together]) c.on('error', () => {});
  await Promise.all([pub.connect(), sub.connect(), together.connect()]);
  const s = await boot({
    store,
    ownsStore: true,
    adapter: createAdapter(pub, sub, { key: `${prefix}socket.io` }),
    chatStore: new RedisChatStore(together as RedisClient, prefix),
    cameraStore: new RedisCameraStore(together as RedisClient, prefix),
  });
  cleanup.push(async () => {
    await s.close();
    await Promise.all([pub.close(), sub.close(), together.close()]);
  });
  return s;
}

describe.runIf(hasRedis)('camera and chat on two processes, one Redis', () => {
  it('messages, reactions, mutes and the presented camera reach members on the other process; history is shared', async () => {
    const prefix = testPrefix();
    cleanup.push(async () => {
      const s = await redisStore(prefix);
      await s.clearPrefix();
      await s.close();
    });
    const [a, b] = [await node(prefix), await node(prefix)];
    const { roomId, instructorKey } = await a.createRoom();
    const inst = a.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = b.client({ roomId, name: 'Jake' });
    const msgs: ChatMessage[] = [];
    const batches: ReactionBatch[] = [];
    const cams: CameraState[] = [];
    viewer.socket.on('chat:message', (m) => msgs.push(m));
    viewer.socket.on('chat:reaction', (x) => batches.push(x));
    viewer.socket.on('camera:state', (c) => cams.push(c));
    await Promise.all([inst.ready, viewer.ready]);

    await inst.call('chat:send', { id: 'x-proc-0001', text: 'across processes' });
    await until(() => msgs.length === 1, 3000, 'message on the other process');
    await inst.call('chat:react', { id: 'x-proc-r001', symbol: 'fire', positionMs: 5000 });
    await until(() => batches.length === 1, 3000, 'reaction batch');
    const h = (await (await fetch(`${b.url}/api/rooms/${roomId}/chat`)).json()) as ChatHistory;
    expect(h.messages.map((m) => m.text)).toEqual(['across processes']);
    expect(h.reactions).toMatchObject([{ positionMs: 5000, symbol: 'fire', count: 1 }]);

    expect((await inst.call('chat:mute', { memberId: viewer.you()!.memberId, muted: true })).ok).toBe(true);
    expect(await viewer.call('chat:send', { id: 'x-proc-0002', text: 'muted?' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });

    await inst.call('camera:present', { on: true });
    await inst.call('camera:update', { x: 11, y: 22, zoom: 3 });
    await until(() => cams.some((c) => c.version === 2), 3000, 'camera on the other process');
    // A late joiner on process B starts in the view presented on A.
    const late = b.client({ roomId, name: 'Late' });
    const lateCams: CameraState[] = [];
    late.socket.on('camera:state', (c) => lateCams.push(c));
    await late.ready;
    await until(() => lateCams.length > 0, 3000, 'camera at join');
    expect(lateCams[0]).toMatchObject({ presenting: true, view: { x: 11, y: 22, zoom: 3 }, version: 2 });
  });
});
