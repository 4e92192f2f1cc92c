import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryCameraStore } from '../../server/camera/memoryCameraStore.js';
import { RedisCameraStore } from '../../server/camera/redisCameraStore.js';
import type { CameraStore } from '../../server/camera/store.js';
import { MemoryChatStore } from '../../server/chat/memoryChatStore.js';
import { RedisChatStore } from '../../server/chat/redisChatStore.js';
import type { ChatStore } from '../../server/chat/store.js';
import type { RedisClient } from '../../server/store/redis.js';
import type { CameraState, ChatMessage } from '../../shared/protocol/events.js';
import { REDIS_URL, redisAvailable, testPrefix } from './redis.js';

// One contract for the chat and camera stores, run against memory and Redis.

const hasRedis = await redisAvailable();
const prefixes: string[] = [];
let client: RedisClient | null = null;
async function redis(): Promise<RedisClient> {
  if (!client) {
    client = createClient({ url: REDIS_URL }) as RedisClient;
    await client.connect();
  }
  return client;
}
afterAll(async () => {
  if (!client) return;
  for (const p of prefixes)
    for await (const keys of client.scanIterator({ MATCH: `${p}*`, COUNT: 200 })) if (keys.length) await client.del(keys);
  await client.close();
});
const prefix = () => {
  const p = testPrefix();
  prefixes.push(p);
  return p;
};

const chatBackends: [string, () => Promise<ChatStore>][] = [['memory', async () => new MemoryChatStore()]];
const cameraBackends: [string, () => Promise<CameraStore>][] = [['memory', async () => new MemoryCameraStore()]];
if (hasRedis) {
  chatBackends.push(['redis', async () => new RedisChatStore(await redis(), prefix())]);
  cameraBackends.push(['redis', async () => new RedisCameraStore(await redis(), prefix())]);
}

const msg = (id: string, over: Partial<ChatMessage> = {}): ChatMessage => ({
  id,
  authorId: 'm1',
  author: 'Kira',
  role: 'viewer',
  text: `text ${id}`,
  at: 1,
  branchId: 'b1',
  positionMs: 0,
  ...over,
});

describe.each(chatBackends)('ChatStore contract: %s', (_name, make) => {
  it('stores messages oldest first and keeps the last N', async () => {
    const s = await make();
    const room = randomUUID();
    for (let i = 0; i < 7; i++) expect((await s.addMessage(room, msg(`msg-000${i}`), 5)).created).toBe(true);
    const list = await s.listMessages(room);
    expect(list.map((m) => m.id)).toEqual(['msg-0002', 'msg-0003', 'msg-0004', 'msg-0005', 'msg-0006']);
    expect(await s.listMessages(randomUUID())).toEqual([]);
  });

  it('is idempotent by id: a retry returns the first message and adds nothing', async () => {
    const s = await make();
    const room = randomUUID();
    await s.addMessage(room, msg('dup-00001', { text: 'first' }), 200);
    const again = await s.addMessage(room, msg('dup-00001', { text: 'second', authorId: 'm2' }), 200);
    expect(again.created).toBe(false);
    expect(again.message.text).toBe('first');
    expect(again.message.authorId).toBe('m1');
    expect(await s.listMessages(room)).toHaveLength(1);
  });

  it('clears messages of one room only, and a cleared id is still deduplicated', async () => {
    const s = await make();
    const [a, b] = [randomUUID(), randomUUID()];
    await s.addMessage(a, msg('clr-00001'), 200);
    await s.addMessage(b, msg('clr-00002'), 200);
    await s.clearMessages(a);
    expect(await s.listMessages(a)).toEqual([]);
    expect(await s.listMessages(b)).toHaveLength(1);
    expect((await s.addMessage(a, msg('clr-00001'), 200)).created).toBe(false);
    expect((await s.addMessage(a, msg('clr-00003'), 200)).created).toBe(true);
  });

  it('mutes and unmutes members per room', async () => {
    const s = await make();
    const [a, b] = [randomUUID(), randomUUID()];
    await s.setMuted(a, 'm2', true);
    await s.setMuted(a, 'm1', true);
    expect(await s.isMuted(a, 'm2')).toBe(true);
    expect(await s.isMuted(b, 'm2')).toBe(false);
    expect(await s.listMuted(a)).toEqual(['m1', 'm2']);
    await s.setMuted(a, 'm2', false);
    expect(await s.isMuted(a, 'm2')).toBe(false);
    expect(await s.listMuted(a)).toEqual(['m1']);
  });

  it('counts reactions per (branch, moment, symbol), once per id, filtered by branch', async () => {
    const s = await make();
    const room = randomUUID();
    expect(await s.addReaction(room, 'r1', { branchId: 'b1', positionMs: 3000, symbol: 'fire' })).toBe(true);
    expect(await s.addReaction(room, 'r1', { branchId: 'b1', positionMs: 3000, symbol: 'fire' })).toBe(false);
    await s.addReaction(room, 'r2', { branchId: 'b1', positionMs: 3000, symbol: 'fire' });
    await s.addReaction(room, 'r3', { branchId: 'b1', positionMs: 1000, symbol: 'eyes' });
    await s.addReaction(room, 'r4', { branchId: 'b|2', positionMs: 1000, symbol: 'alarm' });
    expect(await s.listReactions(room, 'b1')).toEqual([
      { branchId: 'b1', positionMs: 1000, symbol: 'eyes', count: 1 },
      { branchId: 'b1', positionMs: 3000, symbol: 'fire', count: 2 },
    ]);
    expect(await s.listReactions(room)).toHaveLength(3);
    expect((await s.listReactions(room, 'b|2'))[0]).toEqual({ branchId: 'b|2', positionMs: 1000, symbol: 'alarm', count: 1 });
  });

  it('counts concurrent reactions exactly', async () => {
    const s = await make();
    const room = randomUUID();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => s.addReaction(room, `c${i % 40}`, { branchId: 'b', positionMs: 0, symbol: 'applause' })),
    );
    expect(await s.listReactions(room)).toEqual([{ branchId: 'b', positionMs: 0, symbol: 'applause', count: 40 }]);
  });
});

const cam = (version: number, over: Partial<CameraState> = {}): CameraState => ({
  presenting: true,
  presenterId: 'm1',
  presenterName: 'Sisko',
  view: { x: 1, y: 2, zoom: 3, tab: 'annotations' },
  version,
  ...over,
});

describe.each(cameraBackends)('CameraStore contract: %s', (_name, make) => {
  it('starts empty and writes only against the expected version', async () => {
    const s = await make();
    const room = randomUUID();
    expect(await s.getCamera(room)).toBeNull();
    expect(await s.casCamera(room, 1, cam(2))).toBe(false);
    expect(await s.casCamera(room, 0, cam(1))).toBe(true);
    expect(await s.casCamera(room, 0, cam(1, { presenterId: 'm2' }))).toBe(false);
    expect(await s.getCamera(room)).toEqual(cam(1));
    expect(await s.casCamera(room, 1, cam(2, { view: { x: 5, y: 6, zoom: 1, unitId: 'u1' } }))).toBe(true);
    expect((await s.getCamera(room))?.view).toEqual({ x: 5, y: 6, zoom: 1, unitId: 'u1' });
  });

  it('lets exactly one of many concurrent writers of a version win', async () => {
    const s = await make();
    const room = randomUUID();
    await s.casCamera(room, 0, cam(1));
    const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => s.casCamera(room, 1, cam(2, { view: { x: i, y: 0, zoom: 1 } }))));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await s.getCamera(room))?.version).toBe(2);
  });
});
