import { describe, expect, it } from 'vitest';
import { fitScale, glide, moved, pickUnit, viewOf } from '../../client/src/room/camera/follow.js';
import { ChatModel, newId } from '../../client/src/room/chat/model.js';
import { momentQuery, momentUrl, parseMoment } from '../../client/src/room/moments/momentLink.js';
import type { ChatMessage } from '../../shared/protocol/events.js';

// The browser's pure parts of watching together: camera glide, chat model, moment links.

describe('camera follow', () => {
  it('picks the unit under the pointer, the nearest relative to its size', () => {
    const drawn = [
      { id: 'station', x: 100, y: 100, r: 30 },
      { id: 'ship', x: 120, y: 100, r: 4 },
    ];
    expect(pickUnit(drawn, 121, 101)).toBe('ship');
    expect(pickUnit(drawn, 90, 100)).toBe('station');
    expect(pickUnit(drawn, 300, 300)).toBeNull();
  });

  it('glides eased from one view to the next and lands exactly on it', () => {
    const a = { x: 0, y: 0, zoom: 1 };
    const b = { x: 100, y: -50, zoom: 4 };
    expect(glide(a, b, 0, 110)).toEqual(a);
    const mid = glide(a, b, 55, 110);
    expect(mid.x).toBeCloseTo(50);
    expect(mid.zoom).toBeCloseTo(2); // log space: halfway between 1 and 4 is 2
    expect(glide(a, b, 110, 110)).toEqual(b);
    expect(glide(a, b, 5000, 110)).toEqual(b);
  });

  it('expresses zoom relative to the fitted map, so different viewports frame the same area', () => {
    const map = { width: 1000, height: 500 };
    const small = fitScale({ width: 448, height: 448 }, map);
    const big = fitScale({ width: 1048, height: 1048 }, map);
    expect(small).toBeCloseTo(0.4);
    expect(big).toBeCloseTo(1);
    expect(viewOf({ cx: 10, cy: 20, scale: 0.8 }, small)).toEqual({ x: 10, y: 20, zoom: 2 });
    expect(moved({ x: 0, y: 0, zoom: 1 }, { x: 0.01, y: 0, zoom: 1 }, 1)).toBe(false);
    expect(moved({ x: 0, y: 0, zoom: 1 }, { x: 1, y: 0, zoom: 1 }, 1)).toBe(true);
    expect(moved(null, { x: 0, y: 0, zoom: 1 }, 1)).toBe(true);
  });
});

const msg = (id: string, at = 0): ChatMessage => ({
  id,
  authorId: 'm',
  author: 'a',
  role: 'viewer',
  text: id,
  at,
  branchId: 'h',
  positionMs: 0,
});

describe('chat model', () => {
  it('merges history with live messages by id and keeps 200', () => {
    const m = new ChatModel();
    expect(m.addMessage(msg('a'))).toBe(true);
    expect(m.addMessage(msg('a'))).toBe(false);
    m.takeHistory({ roomId: 'r', messages: [msg('h1'), msg('h2')], muted: ['x'], reactions: [] }, [msg('h2'), msg('live')]);
    expect(m.messages.map((x) => x.id)).toEqual(['h1', 'h2', 'live']);
    expect([...m.muted]).toEqual(['x']);
    for (let i = 0; i < 250; i++) m.addMessage(msg(`n${i}`));
    expect(m.messages).toHaveLength(200);
    expect(m.messages.at(-1)!.id).toBe('n249');
  });

  it('finds reactions a playback stretch passes, per branch', () => {
    const m = new ChatModel();
    m.takeHistory({ roomId: 'r', messages: [], muted: [], reactions: [{ branchId: 'h', positionMs: 3000, symbol: 'fire', count: 2 }] }, []);
    m.addReaction({ branchId: 'h', positionMs: 3000, symbol: 'fire', count: 1 });
    m.addReaction({ branchId: 'w', positionMs: 3000, symbol: 'eyes', count: 1 });
    expect(m.reactionsBetween('h', 2000, 3000)).toEqual([{ branchId: 'h', positionMs: 3000, symbol: 'fire', count: 3 }]);
    expect(m.reactionsBetween('h', 3000, 4000)).toEqual([]);
    expect(m.totalReactions('w')).toBe(1);
    expect(newId('m')).toMatch(/^m-[A-Za-z0-9]{8,}$/);
  });
});

describe('moment links', () => {
  it('round-trips and rejects malformed parameters', () => {
    const url = momentUrl('https://w.example', 'room1', { t: 12_345.6, branch: 'br-1', annotation: 'note-1' });
    expect(url).toBe('https://w.example/room/room1?t=12346&branch=br-1&annotation=note-1');
    expect(parseMoment(new URL(url).search)).toEqual({ t: 12_346, branch: 'br-1', annotation: 'note-1' });
    expect(parseMoment('?t=-5&branch=x')).toBeNull();
    expect(parseMoment('?t=abc&branch=x')).toBeNull();
    expect(parseMoment('?t=5&branch=<script>')).toBeNull();
    expect(parseMoment('?t=5')).toBeNull();
    expect(parseMoment('?role=player')).toBeNull();
  });

  it('keeps the moment of a pasted link for the lobby', () => {
    expect(momentQuery('http://h/room/abc?role=player&t=5000&branch=b1')).toBe('t=5000&branch=b1');
    expect(momentQuery('/room/abc?t=1&branch=b&annotation=n')).toBe('t=1&branch=b&annotation=n');
    expect(momentQuery('abc')).toBe('');
    expect(momentQuery('http://h/room/abc?t=bad&branch=b')).toBe('');
  });
});
