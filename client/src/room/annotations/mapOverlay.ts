import type { Vec2 } from '../../../../shared/battle/types.js';
import type { Annotation } from '../../../../shared/protocol/events.js';
import type { Camera } from '../tactical/camera.js';
import { NEAR_MS } from './model.js';

// Pins and arrows on the tactical canvas. Annotation text is drawn with fillText: canvas text is
// never parsed as markup, whatever it contains.

const PIN = '#5aa9ff';
const STOP = '#f5b74f';
const BUBBLE_BG = 'rgba(10, 15, 26, 0.9)';
const MAX_CHARS = 48;

export interface DrawnPin {
  id: string;
  x: number;
  y: number;
}

export interface PinDraft {
  at: Vec2;
  to?: Vec2;
}

/**
 * Draw the annotations near `positionMs` (fading with distance in time), the peeked one always,
 * and the pin being placed. Returns what was drawn (screen CSS px) for tests.
 */
export function drawAnnotationPins(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  list: readonly Annotation[],
  positionMs: number,
  peekId: string | null,
  draft: PinDraft | null,
): DrawnPin[] {
  const drawn: DrawnPin[] = [];
  for (const a of list) {
    if (!a.at) continue;
    const dt = Math.abs(a.positionMs - positionMs);
    const peek = a.id === peekId;
    if (dt > NEAR_MS && !peek) continue;
    ctx.globalAlpha = peek ? 1 : 1 - (dt / NEAR_MS) * 0.6;
    const p = drawMark(ctx, cam, a.at, a.to, a.stop ? STOP : PIN, peek);
    bubble(ctx, p.x, p.y, shorten(a.text), a.stop ? STOP : PIN);
    drawn.push({ id: a.id, x: p.x, y: p.y });
  }
  if (draft) {
    ctx.globalAlpha = 0.9;
    ctx.setLineDash([5, 4]);
    drawMark(ctx, cam, draft.at, draft.to, '#ffffff', true);
    ctx.setLineDash([]);
  }
  ctx.globalAlpha = 1;
  return drawn;
}

/** A pin at `at`, or an arrow `at` -> `to`; returns the screen point the bubble hangs from. */
function drawMark(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  at: Vec2,
  to: Vec2 | undefined,
  color: string,
  strong: boolean,
): { x: number; y: number } {
  const x0 = cam.toScreenX(at.x);
  const y0 = cam.toScreenY(at.y);
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = strong ? 3 : 2;
  if (to) {
    const x1 = cam.toScreenX(to.x);
    const y1 = cam.toScreenY(to.y);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    const ang = Math.atan2(y1 - y0, x1 - x0);
    const head = 12;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - head * Math.cos(ang - 0.45), y1 - head * Math.sin(ang - 0.45));
    ctx.lineTo(x1 - head * Math.cos(ang + 0.45), y1 - head * Math.sin(ang + 0.45));
    ctx.closePath();
    ctx.fill();
    ctx.beginPath();
    ctx.arc(x0, y0, 4, 0, Math.PI * 2);
    ctx.fill();
    return { x: x0, y: y0 };
  }
  // A map pin: a head on a short stem whose tip is the spot.
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x0, y0 - 14);
  ctx.stroke();
  ctx.beginPath();
  ctx.arc(x0, y0 - 18, strong ? 7 : 6, 0, Math.PI * 2);
  ctx.fill();
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  ctx.stroke();
  return { x: x0, y: y0 - 18 };
}

function bubble(ctx: CanvasRenderingContext2D, x: number, y: number, text: string, color: string): void {
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'left'; // the map's labels leave it centred
  const w = ctx.measureText(text).width + 12;
  const h = 20;
  const bx = x + 10;
  const by = y - h / 2;
  ctx.fillStyle = BUBBLE_BG;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.roundRect(bx, by, w, h, 5);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = '#e8eefb';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, bx + 6, y);
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > MAX_CHARS ? `${one.slice(0, MAX_CHARS - 1)}…` : one;
}
