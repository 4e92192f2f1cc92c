import { HEADINGS, mask } from './stampLayer.js';

// The stamped ship wedges of a big battle, drawn on a worker into the unit canvas (an OffscreenCanvas
// stacked over the tactical canvas), so the main thread only packs positions: at 20,000 units stamping
// and copying the pixels is several ms a frame that no longer competes with folding, fx and input.
// The canvas is composited by the browser; nothing is read back. Protocol: workerStamps.ts.

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
}

export interface StampInitMessage {
  type: 'init';
  canvas: OffscreenCanvas;
}

export interface StampDoneMessage {
  type: 'done';
  geo: Float32Array;
  color: Uint32Array;
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
let image: ImageData | null = null;
let px = new Uint32Array(0);
/** Rows written last frame: cleared and re-put this frame, so the layer stays transparent elsewhere. */
let prevLo = Infinity;
let prevHi = -Infinity;
const masks = new Map<number, Int16Array>();

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
  let lo = Infinity;
  let hi = -Infinity;
  let lastKey = -1;
  let mk: Int16Array | undefined;
  for (let u = 0; u < m.count; u++) {
    const o = u * 4;
    const sp = Math.max(1, Math.round(geo[o + 2] * k * 2) / 2);
    let hb = Math.round((geo[o + 3] / (Math.PI * 2)) * HEADINGS) % HEADINGS;
    if (hb < 0) hb += HEADINGS;
    const key = sp * 1024 + hb;
    if (key !== lastKey) {
      mk = masks.get(key);
      if (!mk) masks.set(key, (mk = mask(sp, hb)));
      lastKey = key;
    }
    const cx = Math.round(geo[o] * k);
    const cy = Math.round(geo[o + 1] * k);
    const word = color[u];
    const msk = mk as Int16Array;
    for (let i = 0; i < msk.length; i += 2) {
      const xx = cx + msk[i];
      const yy = cy + msk[i + 1];
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
      px[yy * w + xx] = word;
      if (yy < lo) lo = yy;
      if (yy > hi) hi = yy;
    }
  }
  // putImageData replaces pixels: the union of last frame's rows and this frame's covers every change.
  const y0 = Math.max(0, Math.min(lo, prevLo));
  const y1 = Math.min(h - 1, Math.max(hi, prevHi));
  if (y1 >= y0) ctx.putImageData(image, 0, 0, 0, y0, w, y1 - y0 + 1);
  prevLo = lo;
  prevHi = hi;
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === 'init') {
    canvas = m.canvas;
    return;
  }
  const start = performance.now();
  draw(m);
  scope.postMessage({ type: 'done', geo: m.geo, color: m.color, ms: performance.now() - start }, [m.geo.buffer, m.color.buffer]);
};
