import { paintFx } from './fxPaint.js';
import { type RowSpan, stamp, WedgeMasks } from './wedgeStamp.js';

// The stamped ship wedges of a big battle, drawn on a worker into the unit canvas (an OffscreenCanvas
// stacked over the tactical canvas), so the main thread only packs positions: at 20,000 units stamping
// and copying the pixels is several ms a frame that no longer competes with folding, fx and input.
// The canvas is composited by the browser; nothing is read back. Protocol: workerStamps.ts. The frame's beams
// and effects are painted here too (fxPaint.ts), on a second canvas stacked under the wedges' (as when the page
// drew them): with no GPU their raster was most of the main thread's commit.

export interface StampFrameMessage {
  type: 'frame';
  /** Canvas size in device px and CSS px -> device px ratio. */
  w: number;
  h: number;
  ratio: number;
  count: number;
  /** x, y (CSS px), half-size (CSS px), heading (rad) per wedge. */
  geo: Float32Array;
  /** Opaque ABGR word per wedge (ImageData byte order). */
  color: Uint32Array;
  /** Beam then effect records (fxPaint.ts), in CSS px. */
  fx: Float32Array;
  beams: number;
  effects: number;
}

export interface StampInitMessage {
  type: 'init';
  canvas: OffscreenCanvas;
  /** The beams and effects' canvas, under the wedges'. */
  fxCanvas: OffscreenCanvas;
}

export interface StampDoneMessage {
  type: 'done';
  geo: Float32Array;
  color: Uint32Array;
  fx: Float32Array;
  /** Worker time spent on the frame, ms. */
  ms: number;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<StampInitMessage | StampFrameMessage>) => void) | null;
  postMessage(m: StampDoneMessage, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

let canvas: OffscreenCanvas | null = null;
let ctx: OffscreenCanvasRenderingContext2D | null = null;
let fxCanvas: OffscreenCanvas | null = null;
let fxCtx: OffscreenCanvasRenderingContext2D | null = null;
let image: ImageData | null = null;
let px = new Uint32Array(0);
/** Rows written last frame: cleared and re-put this frame, so the layer stays transparent elsewhere. */
let prevLo = Infinity;
let prevHi = -Infinity;
/** Fx were painted last frame: their canvas is cleared. */
let prevFx = false;
const masks = new WedgeMasks();

function draw(m: StampFrameMessage): void {
  if (!canvas) return;
  if (canvas.width !== m.w || canvas.height !== m.h || !image) {
    canvas.width = m.w;
    canvas.height = m.h;
    ctx = canvas.getContext('2d');
    image = new ImageData(m.w, m.h);
    px = new Uint32Array(image.data.buffer);
    prevLo = Infinity;
    prevHi = -Infinity;
  } else if (prevHi >= prevLo) {
    px.fill(0, prevLo * m.w, (prevHi + 1) * m.w);
  }
  if (!ctx || !image) return;
  const { w, h, ratio: k, geo, color } = m;
  const rows: RowSpan = { lo: Infinity, hi: -Infinity };
  for (let u = 0; u < m.count; u++) {
    const o = u * 4;
    stamp(px, w, h, Math.round(geo[o] * k), Math.round(geo[o + 1] * k), masks.get(geo[o + 2] * k, geo[o + 3]), color[u], rows);
  }
  const { lo, hi } = rows;
  // putImageData replaces pixels: the union of last frame's rows and this frame's covers every change.
  const y0 = Math.max(0, Math.min(lo, prevLo));
  const y1 = Math.min(h - 1, Math.max(hi, prevHi));
  if (y1 >= y0) ctx.putImageData(image, 0, 0, 0, y0, w, y1 - y0 + 1);
  prevLo = lo;
  prevHi = hi;
  drawFx(m);
}

function drawFx(m: StampFrameMessage): void {
  const fx = m.beams + m.effects > 0;
  if (!fxCanvas || (!fx && !prevFx)) return;
  if (fxCanvas.width !== m.w || fxCanvas.height !== m.h || !fxCtx) {
    fxCanvas.width = m.w;
    fxCanvas.height = m.h;
    fxCtx = fxCanvas.getContext('2d');
  }
  if (!fxCtx) return;
  fxCtx.setTransform(1, 0, 0, 1, 0, 0);
  fxCtx.clearRect(0, 0, m.w, m.h);
  fxCtx.setTransform(m.ratio, 0, 0, m.ratio, 0, 0);
  paintFx(fxCtx, { data: m.fx, beams: m.beams, effects: m.effects });
  prevFx = fx;
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'init') {
    canvas = m.canvas;
    fxCanvas = m.fxCanvas;
    return;
  }
  const start = performance.now();
  draw(m);
  scope.postMessage({ type: 'done', geo: m.geo, color: m.color, fx: m.fx, ms: performance.now() - start }, [
    m.geo.buffer,
    m.color.buffer,
    m.fx.buffer,
  ]);
};
