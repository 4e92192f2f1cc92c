import type { Field, MapFeature, BattleMap } from '../../../../shared/battle/types.js';
import type { Camera } from './camera.js';
import { placeText, type LabelPlacer } from './labels.js';
import { FEATURE_LABEL, FEATURE_STROKE, GRID } from './palette.js';

// Static-ish layers: the map's features, the minefields, the grid and the scale bar.

export function drawGrid(ctx: CanvasRenderingContext2D, cam: Camera, map: BattleMap): void {
  // A grid every "nice" number of map units so zooming keeps ~60-150 px cells.
  const step = niceStep(90 / cam.scale);
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.beginPath();
  const x0 = Math.max(0, Math.floor(cam.toWorld(0, 0).x / step) * step);
  const x1 = Math.min(map.width, cam.toWorld(cam.width, 0).x);
  const y0 = Math.max(0, Math.floor(cam.toWorld(0, 0).y / step) * step);
  const y1 = Math.min(map.height, cam.toWorld(0, cam.height).y);
  for (let x = x0; x <= x1; x += step) {
    const sx = Math.round(cam.toScreenX(x)) + 0.5;
    ctx.moveTo(sx, cam.toScreenY(Math.max(0, y0)));
    ctx.lineTo(sx, cam.toScreenY(y1));
  }
  for (let y = y0; y <= y1; y += step) {
    const sy = Math.round(cam.toScreenY(y)) + 0.5;
    ctx.moveTo(cam.toScreenX(Math.max(0, x0)), sy);
    ctx.lineTo(cam.toScreenX(x1), sy);
  }
  ctx.stroke();
  // Map bounds.
  ctx.strokeStyle = 'rgba(120, 150, 200, 0.18)';
  ctx.strokeRect(cam.toScreenX(0), cam.toScreenY(0), map.width * cam.scale, map.height * cam.scale);
}

export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

export function drawFeatures(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  features: readonly MapFeature[],
  nowMs: number,
  labels: LabelPlacer,
  hideLabel: (f: MapFeature) => boolean,
  /** Where the labels go: a canvas over the units. */
  text: CanvasRenderingContext2D,
): void {
  // Areas first (zones, borders), then bodies, then labels on top.
  for (const f of features) if (f.kind === 'zone' || f.kind === 'border') drawArea(ctx, cam, f);
  for (const f of features) if (f.kind !== 'zone' && f.kind !== 'border' && f.kind !== 'label') drawBody(ctx, cam, f, nowMs);
  text.textBaseline = 'top';
  // Bodies' names first (they matter most), region labels last (they yield to everything).
  const order = (f: MapFeature): number => (f.kind === 'label' || f.kind === 'zone' || f.kind === 'border' ? 1 : 0);
  const sorted = [...features].sort((a, b) => order(a) - order(b));
  for (const f of sorted) {
    if (!f.label || hideLabel(f)) continue;
    const sx = cam.toScreenX(f.pos.x);
    const r = Math.max(4, (f.radius ?? 0) * cam.scale);
    const region = order(f) === 1;
    const sy = region ? cam.toScreenY(f.pos.y) : cam.toScreenY(f.pos.y) + r + 4;
    text.font = f.kind === 'label' ? 'italic 12px system-ui, sans-serif' : '11px system-ui, sans-serif';
    // A region's name is faint: through globalAlpha, so its halo is as faint (labels.ts).
    text.fillStyle = f.kind === 'label' ? 'rgb(170, 190, 220)' : FEATURE_LABEL;
    text.globalAlpha = f.kind === 'label' ? 0.55 : 1;
    placeText(text, labels, f.label, sx, sy, 'center');
  }
  text.globalAlpha = 1;
}

function drawArea(ctx: CanvasRenderingContext2D, cam: Camera, f: MapFeature): void {
  const pts = f.points;
  if (!pts || pts.length < 2) return;
  ctx.beginPath();
  ctx.moveTo(cam.toScreenX(pts[0].x), cam.toScreenY(pts[0].y));
  for (let i = 1; i < pts.length; i++) ctx.lineTo(cam.toScreenX(pts[i].x), cam.toScreenY(pts[i].y));
  ctx.save();
  if (f.kind === 'zone') {
    ctx.closePath();
    ctx.fillStyle = 'rgba(110, 140, 200, 0.06)';
    ctx.fill();
    ctx.setLineDash([2, 4]);
    ctx.strokeStyle = 'rgba(140, 170, 220, 0.3)';
  } else {
    ctx.setLineDash([8, 6]);
    ctx.strokeStyle = 'rgba(230, 180, 90, 0.45)';
    ctx.lineWidth = 1.5;
  }
  ctx.stroke();
  ctx.restore();
}

function drawBody(ctx: CanvasRenderingContext2D, cam: Camera, f: MapFeature, nowMs: number): void {
  const sx = cam.toScreenX(f.pos.x);
  const sy = cam.toScreenY(f.pos.y);
  const r = (f.radius ?? 0) * cam.scale;
  switch (f.kind) {
    case 'planet': {
      const rr = Math.max(6, r);
      const g = ctx.createRadialGradient(sx - rr * 0.35, sy - rr * 0.35, rr * 0.1, sx, sy, rr);
      g.addColorStop(0, '#7a8fb0');
      g.addColorStop(0.7, '#3a4a66');
      g.addColorStop(1, '#1a2233');
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(sx, sy, rr, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = 'rgba(150, 190, 255, 0.35)';
      ctx.lineWidth = 2;
      ctx.stroke();
      return;
    }
    case 'wormhole': {
      const rr = Math.max(8, r);
      // A slow pulse so it reads as alive even when paused on a still frame.
      const pulse = 0.85 + 0.15 * Math.sin(nowMs / 600);
      const g = ctx.createRadialGradient(sx, sy, 0, sx, sy, rr * 1.4);
      g.addColorStop(0, `rgba(235, 248, 255, ${0.9 * pulse})`);
      g.addColorStop(0.35, `rgba(120, 190, 255, ${0.55 * pulse})`);
      g.addColorStop(1, 'rgba(40, 80, 200, 0)');
      ctx.fillStyle = g;
      ctx.beginPath();
      ctx.arc(sx, sy, rr * 1.4, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = 'rgba(170, 220, 255, 0.5)';
      ctx.lineWidth = 1;
      for (let i = 0; i < 3; i++) {
        const a = nowMs / 1500 + (i * Math.PI * 2) / 3;
        ctx.beginPath();
        ctx.arc(sx, sy, rr * (0.45 + i * 0.22), a, a + Math.PI * 1.1);
        ctx.stroke();
      }
      return;
    }
    case 'station': {
      const rr = Math.max(7, r);
      ctx.strokeStyle = FEATURE_STROKE;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.arc(sx, sy, rr, 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
      return;
    }
    case 'shipyard': {
      const rr = Math.max(5, r);
      ctx.strokeStyle = 'rgba(200, 200, 150, 0.55)';
      ctx.lineWidth = 1;
      ctx.strokeRect(sx - rr, sy - rr, rr * 2, rr * 2);
      ctx.beginPath();
      ctx.moveTo(sx - rr, sy);
      ctx.lineTo(sx + rr, sy);
      ctx.stroke();
      return;
    }
    case 'city': {
      ctx.fillStyle = 'rgba(255, 220, 150, 0.85)';
      ctx.beginPath();
      ctx.arc(sx, sy, Math.max(2.5, Math.min(r, 6)), 0, Math.PI * 2);
      ctx.fill();
      return;
    }
    default:
      return;
  }
}

export function drawFields(
  ctx: CanvasRenderingContext2D,
  cam: Camera,
  fields: readonly Field[],
  nowMs: number,
  labels: LabelPlacer,
  /** Where the labels go: a canvas over the units. */
  text: CanvasRenderingContext2D,
): void {
  for (const f of fields) {
    const sx = cam.toScreenX(f.center.x);
    const sy = cam.toScreenY(f.center.y);
    const r = Math.max(6, f.radius * cam.scale);
    const p = Math.min(1, Math.max(0, f.progress));
    ctx.save();
    // Fill grows from the centre with progress: a field half laid covers half the area.
    ctx.fillStyle = f.active ? 'rgba(255, 120, 60, 0.20)' : 'rgba(255, 170, 80, 0.13)';
    ctx.beginPath();
    ctx.arc(sx, sy, r * Math.sqrt(p), 0, Math.PI * 2);
    ctx.fill();
    ctx.lineWidth = f.active ? 2 : 1.2;
    ctx.strokeStyle = f.cloaked ? 'rgba(255, 190, 110, 0.55)' : 'rgba(255, 150, 80, 0.85)';
    if (f.cloaked) ctx.setLineDash([5, 5]);
    if (f.active) {
      ctx.shadowColor = 'rgba(255, 110, 40, 0.9)';
      ctx.shadowBlur = 8 + 4 * Math.sin(nowMs / 300);
    }
    ctx.beginPath();
    ctx.arc(sx, sy, r, 0, Math.PI * 2);
    ctx.stroke();
    ctx.restore();
    text.font = '11px system-ui, sans-serif';
    text.textBaseline = 'top';
    text.fillStyle = 'rgba(255, 200, 140, 0.9)';
    const state = f.active ? 'active' : `${Math.round(p * 100)}%`;
    const extra = f.replicated > 0 ? ` · ${f.replicated} replicated` : '';
    placeText(text, labels, `${f.label} (${state}${f.cloaked ? ', cloaked' : ''}${extra})`, sx, sy - r - 16, 'center');
  }
}

export function drawScaleBar(ctx: CanvasRenderingContext2D, cam: Camera, scaleLabel: string): void {
  const units = niceStep(110 / cam.scale);
  const px = units * cam.scale;
  const x = 16;
  const y = cam.height - 18;
  ctx.save();
  ctx.strokeStyle = 'rgba(220, 230, 245, 0.85)';
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(x, y - 5);
  ctx.lineTo(x, y);
  ctx.lineTo(x + px, y);
  ctx.lineTo(x + px, y - 5);
  ctx.stroke();
  ctx.fillStyle = 'rgba(220, 230, 245, 0.85)';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillText(scaleText(units, scaleLabel), x, y - 7);
  ctx.restore();
}

/** "1 unit = 100 km" and 50 units -> "5,000 km"; unparseable labels fall back to map units. */
export function scaleText(units: number, scaleLabel: string): string {
  const m = /([\d.,]+)\s*units?\s*([=≈~])\s*([\d.,]+)\s*([^\s(),;]+)/i.exec(scaleLabel);
  if (m) {
    const per = parseFloat(m[3].replace(/,/g, '')) / parseFloat(m[1].replace(/,/g, ''));
    if (Number.isFinite(per) && per > 0) return `${m[2] === '=' ? '' : '≈ '}${fmt(units * per)} ${m[4]}`;
  }
  return `${fmt(units)} units${scaleLabel ? ` (${scaleLabel})` : ''}`;
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Number(n.toPrecision(3)));
}
