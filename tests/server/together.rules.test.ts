import { afterEach, describe, expect, it, vi } from 'vitest';
import { CameraBroadcaster } from '../../server/camera/CameraBroadcaster.js';
import { NO_CAMERA, presentCamera, updateCamera } from '../../server/camera/camera.js';
import { mergeReactions, pinReaction, requireMutable } from '../../server/chat/chat.js';
import { chatDebriefLines } from '../../server/chat/debrief.js';
import { ReactionBatcher } from '../../server/chat/ReactionBatcher.js';
import type { CameraState, Member, ReactionBatch, ReactionCount } from '../../shared/protocol/events.js';
import { TOGETHER_CLIENT_SCHEMAS } from '../../shared/protocol/schemas.js';

// The pure rules and the coalescing of camera and chat, without sockets.

const inst: Member = { memberId: 'm_i', name: 'Sisko', role: 'instructor', connected: true };
const inst2: Member = { memberId: 'm_j', name: 'Kira', role: 'instructor', connected: true };
const viewer: Member = { memberId: 'm_v', name: 'Jake', role: 'viewer', connected: true };
const view = { x: 1, y: 2, zoom: 1 };

afterEach(() => vi.useRealTimers());

describe('camera rules', () => {
  it('only instructors present; another instructor takes over; only the presenter moves the view', () => {
    expect(() => presentCamera(NO_CAMERA, viewer, true)).toThrow(/only the instructor/);
    const on = presentCamera(NO_CAMERA, inst, true);
    expect(on).toEqual({ presenting: true, presenterId: 'm_i', presenterName: 'Sisko', view: null, version: 1 });
    expect(() => updateCamera(on, inst2, view)).toThrow(/only the presenter/);
    const moved = updateCamera(on, inst, view);
    expect(moved).toMatchObject({ view, version: 2 });
    const taken = presentCamera(moved, inst2, true);
    expect(taken).toMatchObject({ presenterId: 'm_j', view, version: 3 });
    expect(() => updateCamera(taken, inst, view)).toThrow();
    const off = presentCamera(taken, inst, false);
    expect(off).toEqual({ presenting: false, presenterId: null, presenterName: null, view, version: 4 });
    expect(() => updateCamera(off, inst2, view)).toThrow();
  });

  it('broadcasts the first update at once, then the latest per interval, never an older version', () => {
    vi.useFakeTimers();
    let t = 0;
    const sent: number[] = [];
    const b = new CameraBroadcaster(
      (_r, s) => sent.push(s.version),
      100,
      () => t,
    );
    const st = (version: number): CameraState => ({ ...NO_CAMERA, presenting: true, version });
    b.push('r', st(1));
    for (let v = 2; v <= 9; v++) {
      t += 10;
      b.push('r', st(v));
    }
    b.push('r', st(5)); // late, older: dropped
    expect(sent).toEqual([1]);
    t = 100;
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([1, 9]);
    b.immediate('r', st(10)); // present on/off: at once
    b.push('r', st(10));
    expect(sent).toEqual([1, 9, 10]);
    t = 400;
    b.push('other', st(3)); // rooms are independent
    b.push('r', st(11));
    expect(sent).toEqual([1, 9, 10, 3, 11]);
    b.close();
  });
});

describe('chat rules', () => {
  it('pins reactions to the second of playback, clamped to the timeline', () => {
    expect(pinReaction('b', 12_345, 60_000, 'fire')).toEqual({ branchId: 'b', positionMs: 12_000, symbol: 'fire' });
    expect(pinReaction('b', 1e12, 60_000, 'eyes').positionMs).toBe(60_000);
    expect(pinReaction('b', 0, 60_000, 'eyes').positionMs).toBe(0);
  });

  it('never mutes an instructor, oneself or a stranger', () => {
    expect(() => requireMutable(undefined, inst)).toThrow();
    expect(() => requireMutable(inst2, inst)).toThrow();
    expect(() => requireMutable(inst, inst)).toThrow();
    expect(requireMutable(viewer, inst)).toBe(viewer);
  });

  it('coalesces a window of reactions into one batch per room with summed counts', () => {
    vi.useFakeTimers();
    const out: [string, ReactionBatch][] = [];
    const b = new ReactionBatcher((roomId, batch) => out.push([roomId, batch]), 200);
    for (let i = 0; i < 1000; i++) b.add('r1', { branchId: 'h', positionMs: 3000, symbol: i % 2 ? 'fire' : 'eyes' });
    b.add('r2', { branchId: 'h', positionMs: 0, symbol: 'alarm' });
    expect(out).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(out).toHaveLength(2);
    const r1 = out.find(([r]) => r === 'r1')![1].reactions;
    expect(r1.map((r) => [r.symbol, r.count]).sort()).toEqual([
      ['eyes', 500],
      ['fire', 500],
    ]);
    vi.advanceTimersByTime(1000);
    expect(out).toHaveLength(2); // a quiet room sends nothing
    b.close();
  });

  it('merges counts by (branch, moment, symbol)', () => {
    const m = new Map<string, ReactionCount>();
    mergeReactions(m, { branchId: 'a', positionMs: 1000, symbol: 'fire' }, 2);
    mergeReactions(m, { branchId: 'a', positionMs: 1000, symbol: 'fire' });
    mergeReactions(m, { branchId: 'b', positionMs: 1000, symbol: 'fire' });
    expect([...m.values()].map((r) => r.count)).toEqual([3, 1]);
  });

  it('writes per-phase reaction totals and escaped chat for the debrief', () => {
    const lines = chatDebriefLines(
      {
        messages: [
          { id: 'x', authorId: 'm', author: 'J*ke', role: 'viewer', text: 'see [this]', at: 0, branchId: 'h', positionMs: 61_000 },
        ],
        reactions: [
          { branchId: 'h', positionMs: 61_000, symbol: 'fire', count: 4 },
          { branchId: 'h', positionMs: 62_000, symbol: 'eyes', count: 5 },
          { branchId: 'other', positionMs: 61_000, symbol: 'alarm', count: 9 },
        ],
      },
      'h',
      (t) => t >= 60_000,
      (ms) => `${ms / 1000}s`,
      (s) => s.replace(/[*[\]]/g, (c) => `\\${c}`),
    );
    expect(lines).toEqual(['Reactions: 👀 5, 🔥 4 (loudest at 62s: 5)', '', 'Chat:', '', '- 61s **J\\*ke** (viewer): see \\[this\\]', '']);
  });
});

describe('schemas registry', () => {
  it('lists every camera and chat client event with a schema that rejects junk', () => {
    expect(Object.keys(TOGETHER_CLIENT_SCHEMAS).sort()).toEqual([
      'camera:present',
      'camera:update',
      'chat:clear',
      'chat:mute',
      'chat:react',
      'chat:send',
    ]);
    for (const s of Object.values(TOGETHER_CLIENT_SCHEMAS)) expect(s.safeParse({ junk: [1, 2, 3] }).success).toBe(false);
  });
});
