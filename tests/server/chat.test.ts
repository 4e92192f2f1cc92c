import { afterEach, describe, expect, it } from 'vitest';
import type { ChatHistory, ChatMessage, ReactionBatch } from '../../shared/protocol/events.js';
import { TOGETHER_CLIENT_SCHEMAS } from '../../shared/protocol/schemas.js';
import { type Booted, boot, clientId, delivered, quietPeriod, until } from './helpers.js';

// Room chat and timed reactions over real socket.io clients.

let s: Booted | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

let n = 0;
const mid = () => `msg-${Date.now().toString(36)}-${n++}`;

async function history(url: string, roomId: string, q = ''): Promise<ChatHistory> {
  const res = await fetch(`${url}/api/rooms/${roomId}/chat${q}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ChatHistory;
}

describe('chat', () => {
  it('messages reach everyone once with author, role, time and moment; retries store once; history over HTTP', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const viewer = s.client({ roomId, name: 'Jake' });
    const got: ChatMessage[] = [];
    viewer.socket.on('chat:message', (m) => got.push(m));
    await Promise.all([inst.ready, viewer.ready]);
    await inst.seek(12_000);
    const p = { id: mid(), text: '  <b>Watch the left flank</b>  ' };
    const first = await inst.call('chat:send', p);
    const retry = await inst.call('chat:send', p);
    expect(first.ok && retry.ok).toBe(true);
    if (!first.ok) return;
    expect(retry).toEqual(first);
    expect(first.message).toMatchObject({
      id: p.id,
      author: 'Sisko',
      role: 'instructor',
      text: '<b>Watch the left flank</b>',
      positionMs: 12_000,
    });
    expect(first.message.branchId).toBe(inst.room()!.branchId);
    expect(typeof first.message.at).toBe('number');
    const v = await viewer.call('chat:send', { id: mid(), text: 'aye' });
    expect(v).toMatchObject({ ok: true, message: { author: 'Jake', role: 'viewer' } });
    await until(() => got.length === 2, 2000, 'messages');
    await delivered([viewer]); // a duplicate delivery (from the retry) was sent before its ack: here by now
    expect(got.map((m) => m.text)).toEqual(['<b>Watch the left flank</b>', 'aye']);
    const h = await history(s.url, roomId);
    expect(h.messages.map((m) => m.text)).toEqual(['<b>Watch the left flank</b>', 'aye']);

    expect(await viewer.call('chat:send', { id: mid(), text: 'x'.repeat(501) })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    expect(await viewer.call('chat:send', { id: mid(), text: '   ' })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await viewer.call('chat:send', { id: p.id, text: 'hijack' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect((await viewer.call('chat:send', { id: mid(), text: 'y'.repeat(500) })).ok).toBe(true);
    expect((await fetch(`${s.url}/api/rooms/nope/chat`)).status).toBe(404);
  });

  it('keeps the last 200 messages per room', async () => {
    s = await boot({
      rateLimit: { points: 1000, durationS: 1 },
      chat: { limits: { messages: { points: 1000, durationS: 1 }, reactions: { points: 10, durationS: 1 } } },
    });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    for (let i = 0; i < 205; i++) await inst.call('chat:send', { id: `bulk-${String(i).padStart(4, '0')}`, text: `m${i}` });
    const h = await history(s.url, roomId);
    expect(h.messages).toHaveLength(200);
    expect(h.messages[0].text).toBe('m5');
    expect(h.messages.at(-1)!.text).toBe('m204');
  });

  it('rate limits a chatty member (RATE_LIMITED), not the others', async () => {
    s = await boot();
    const { roomId } = await s.createRoom();
    const a = s.client({ roomId, name: 'Quark' });
    const b = s.client({ roomId, name: 'Odo' });
    await Promise.all([a.ready, b.ready]);
    const acks = [];
    for (let i = 0; i < 8; i++) acks.push(await a.call('chat:send', { id: mid(), text: `buy ${i}` }));
    expect(acks.filter((x) => x.ok)).toHaveLength(5);
    expect(acks.at(-1)).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect((await b.call('chat:send', { id: mid(), text: 'no' })).ok).toBe(true);
  });

  it('the instructor mutes (chat and reactions FORBIDDEN), unmutes and clears; others may not', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    const player = s.client({ roomId, name: 'Nog', role: 'player', clientId: clientId() });
    const viewer = s.client({ roomId, name: 'Jake' });
    const events: string[] = [];
    viewer.socket.on('chat:muted', (m) => events.push(`muted:${m.muted}`));
    viewer.socket.on('chat:cleared', () => events.push('cleared'));
    await Promise.all([inst.ready, player.ready, viewer.ready]);
    const target = player.you()!.memberId;

    expect(await viewer.call('chat:mute', { memberId: target, muted: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await viewer.call('chat:clear', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await inst.call('chat:mute', { memberId: inst.you()!.memberId, muted: true })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await inst.call('chat:mute', { memberId: 'm_nobody', muted: true })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await inst.call('chat:mute', { memberId: target, muted: true })).toEqual({ ok: true, memberId: target, muted: true });
    expect(await player.call('chat:send', { id: mid(), text: 'hi' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await player.call('chat:react', { id: mid(), symbol: 'fire', positionMs: 0 })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect((await history(s.url, roomId)).muted).toEqual([target]);
    await inst.call('chat:mute', { memberId: target, muted: false });
    expect((await player.call('chat:send', { id: mid(), text: 'thanks' })).ok).toBe(true);

    expect(await inst.call('chat:clear', {})).toEqual({ ok: true });
    expect((await history(s.url, roomId)).messages).toEqual([]);
    await until(() => events.includes('cleared'), 2000, 'cleared');
    expect(events).toEqual(['muted:true', 'muted:false', 'cleared']);
  });

  it('reactions are pinned to the moment, coalesced into few batches, counted once per id, replayable over HTTP', async () => {
    s = await boot({ chat: { reactionWindowMs: 200 } });
    const { roomId } = await s.createRoom();
    const viewers = Array.from({ length: 20 }, (_, i) => s!.client({ roomId, name: `v${i}` }));
    const batches: ReactionBatch[] = [];
    viewers[0].socket.on('chat:reaction', (b) => batches.push(b));
    await Promise.all(viewers.map((v) => v.ready));
    const acks = await Promise.all(
      viewers.map((v, i) => v.call('chat:react', { id: `rx-${i}-aaaa`, symbol: i % 4 ? 'fire' : 'applause', positionMs: 12_345 })),
    );
    expect(acks.every((a) => a.ok)).toBe(true);
    expect(acks[0]).toMatchObject({ reaction: { positionMs: 12_000, symbol: 'applause', count: 1 } });
    // a retry of the same reaction id counts nothing
    expect((await viewers[1].call('chat:react', { id: 'rx-1-aaaa', symbol: 'fire', positionMs: 12_345 })).ok).toBe(true);
    expect(await viewers[1].callUnchecked('chat:react', { id: 'rx-2-aaaa', symbol: 'heart', positionMs: 1 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    await until(() => batches.reduce((n, b) => n + b.reactions.reduce((m, r) => m + r.count, 0), 0) === 20, 3000, 'batched reactions');
    // Time is the scenario: batches go out on the 200 ms window's timer, and no message marks the last one, so a
    // further batch or recount is looked for in a window longer than that.
    await quietPeriod(300);
    expect(batches.length).toBeLessThanOrEqual(3);
    const total = (sym: string) =>
      batches
        .flatMap((b) => b.reactions)
        .filter((r) => r.symbol === sym)
        .reduce((m, r) => m + r.count, 0);
    expect(total('fire')).toBe(15);
    expect(total('applause')).toBe(5);

    const branchId = viewers[0].room()!.branchId;
    const h = await history(s.url, roomId, `?branch=${branchId}`);
    expect(h.reactions).toEqual([
      { branchId, positionMs: 12_000, symbol: 'applause', count: 5 },
      { branchId, positionMs: 12_000, symbol: 'fire', count: 15 },
    ]);
    expect((await history(s.url, roomId, '?branch=other')).reactions).toEqual([]);
    // past the end: clamped to the timeline
    const far = await viewers[3].call('chat:react', {
      id: 'rx-far-aaaa',
      symbol: 'eyes',
      positionMs: 1e12,
    });
    expect(far.ok && far.reaction.positionMs <= viewers[3].clock()!.durationMs).toBe(true);
  });

  it('chat and reactions are in the room export and the Markdown debrief (escaped)', async () => {
    s = await boot();
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    await inst.seek(12_000);
    await inst.call('chat:send', { id: mid(), text: 'look [here](http://evil) <script>' });
    for (let i = 0; i < 3; i++) await inst.call('chat:react', { id: `dbf-${i}-aaaa`, symbol: 'fire', positionMs: 13_100 });
    await inst.call('chat:react', { id: 'dbf-x-aaaa', symbol: 'eyes', positionMs: 12_500 });
    const md = await (await fetch(`${s.url}/api/rooms/${roomId}/annotations?format=md`)).text();
    expect(md).toContain('Reactions: 🔥 3, 👀 1 (loudest at 00:13: 3)');
    expect(md).toContain('- 00:12 **Sisko** (instructor): look \\[here\\](http://evil) \\<script\\>');
    const exp = (await (await fetch(`${s.url}/api/rooms/${roomId}/annotations`)).json()) as {
      chat: { messages: ChatMessage[]; reactions: unknown[] };
    };
    expect(exp.chat.messages).toHaveLength(1);
    expect(exp.chat.reactions).toHaveLength(2);
  });

  it('junk payloads on every camera/chat event get an error ack; nothing is stored; the server stays up', async () => {
    s = await boot({ rateLimit: { points: 1000, durationS: 1 } });
    const { roomId, instructorKey } = await s.createRoom();
    const inst = s.client({ roomId, name: 'Sisko', instructorKey });
    await inst.ready;
    const junk: unknown[] = [
      null,
      42,
      'x',
      [],
      { id: 7 },
      { text: 'x'.repeat(10_000) },
      { id: '../../etc', text: 'a' },
      { __proto__: { on: true } },
    ];
    for (const event of Object.keys(TOGETHER_CLIENT_SCHEMAS)) {
      for (const p of junk) {
        const r = await inst.callUnchecked(event as keyof typeof TOGETHER_CLIENT_SCHEMAS, p);
        if (event === 'chat:clear' && (p === null || JSON.stringify(p) === '{}')) continue; // an empty clear is valid
        expect(r, `${event} ${JSON.stringify(p)}`).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      }
    }
    const h = await history(s.url, roomId);
    expect(h.messages).toEqual([]);
    expect(h.reactions).toEqual([]);
    expect((await inst.call('chat:send', { id: mid(), text: 'still here' })).ok).toBe(true);
  });
});
