import { FX_STRIDE, type FxFrame } from './fxPaint.js';
import { ColorWords } from './wedgeStamp.js';
import type { StampDoneMessage, StampFrameMessage, StampInitMessage } from './unitStampWorker.js';

// Main-thread side of the off-thread unit layer (unitStampWorker.ts): a canvas of its own, stacked over the
// tactical canvas, whose pixels a worker stamps. Per frame the main thread only packs each wedge's
// position, size, heading and colour into typed arrays and transfers them (no copy, nothing read back).
// Two buffer pairs ping-pong; when both are with the worker (it is behind) the frame's wedges are not
// sent and the layer keeps showing the last ones, so a slow worker never queues work.

/** Where drawUnits puts small plain wedges: the in-thread StampLayer or this off-thread layer. */
export interface WedgeSink {
  begin(ctx: CanvasRenderingContext2D, width: number, height: number): boolean;
  push(x: number, y: number, s: number, heading: number, color: string): boolean;
  /** push() with the colour already as its pixel word (ColorWords): the per-unit pass of a crowd. */
  pushWord(x: number, y: number, s: number, heading: number, word: number): void;
  /** `fx`: the frame's beams and effects; a sink that paints them (the worker's) says so by taking them. */
  flush(ctx: CanvasRenderingContext2D, width: number, fx?: FxFrame | null): void;
}

interface Buffers {
  geo: Float32Array;
  color: Uint32Array;
  /** The frame's beams and effects (a copy of the FxFrame's records). */
  fx: Float32Array;
}

export class WorkerStamps implements WedgeSink {
  readonly canvas: HTMLCanvasElement;
  readonly fxCanvas: HTMLCanvasElement;
  private worker: Worker | null = null;
  private failed = false;
  private free: Buffers[] = [];
  private cur: Buffers | null = null;
  private scratch: Buffers = { geo: new Float32Array(0), color: new Uint32Array(0), fx: new Float32Array(0) };
  private sending = false;
  private colors = new ColorWords();
  private w = 0;
  private h = 0;
  private ratio = 1;
  private shown = false;
  count = 0;
  /** Frames not sent because the worker was still drawing (benchmarks read it). */
  dropped = 0;
  /** The worker's own time for its last frame, ms. */
  workerMs = 0;

  /** canvas, fxCanvas: empty canvases stacked over the tactical one (pointer-events: none), fxCanvas under canvas. */
  constructor(canvas: HTMLCanvasElement, fxCanvas: HTMLCanvasElement) {
    this.canvas = canvas;
    this.fxCanvas = fxCanvas;
  }

  /** Worker + OffscreenCanvas available (else drawUnits stamps on the main thread). */
  static supported(): boolean {
    return (
      typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype
    );
  }

  private start(): boolean {
    if (this.worker) return true;
    if (this.failed || !WorkerStamps.supported()) return false;
    try {
      const worker = new Worker(new URL('./unitStampWorker.ts', import.meta.url), { type: 'module' });
      const off = this.canvas.transferControlToOffscreen();
      const fxOff = this.fxCanvas.transferControlToOffscreen();
      const init: StampInitMessage = { type: 'init', canvas: off, fxCanvas: fxOff };
      worker.postMessage(init, [off, fxOff]);
      worker.onmessage = (e: MessageEvent<StampDoneMessage>) => {
        this.free.push({ geo: e.data.geo, color: e.data.color, fx: e.data.fx });
        this.workerMs = e.data.ms;
      };
      // A worker that cannot load (e.g. blocked) leaves the wedges to the main thread from the next frame.
      worker.onerror = () => {
        this.failed = true;
        this.worker?.terminate();
        this.worker = null;
      };
      this.free = [this.alloc(0), this.alloc(0)];
      this.worker = worker;
      return true;
    } catch {
      this.failed = true;
      return false;
    }
  }

  private alloc(n: number): Buffers {
    return { geo: new Float32Array(n * 4), color: new Uint32Array(n), fx: new Float32Array(0) };
  }

  begin(ctx: CanvasRenderingContext2D, width: number, height: number): boolean {
    if (!this.start()) return false;
    this.ratio = ctx.getTransform().a || 1;
    this.w = Math.max(1, Math.round(width * this.ratio));
    this.h = Math.max(1, Math.round(height * this.ratio));
    const b = this.free.pop();
    this.sending = b !== undefined;
    if (!b) this.dropped++;
    this.cur = b ?? this.scratch;
    this.count = 0;
    return true;
  }

  push(x: number, y: number, s: number, heading: number, color: string): boolean {
    const word = this.colors.word(color);
    if (word === null) return false;
    this.pushWord(x, y, s, heading, word);
    return true;
  }

  pushWord(x: number, y: number, s: number, heading: number, word: number): void {
    let b = this.cur as Buffers;
    if (this.count >= b.color.length) b = this.grow(b);
    const o = this.count * 4;
    b.geo[o] = x;
    b.geo[o + 1] = y;
    b.geo[o + 2] = s;
    b.geo[o + 3] = heading;
    b.color[this.count++] = word;
  }

  private grow(b: Buffers): Buffers {
    const n = Math.max(1024, b.color.length * 2);
    const g: Buffers = { ...this.alloc(n), fx: b.fx };
    g.geo.set(b.geo);
    g.color.set(b.color);
    if (b === this.scratch) this.scratch = g;
    this.cur = g;
    return g;
  }

  /** The frame's beams and effects go with its wedges, painted by the worker on the fx canvas under them. */
  flush(_ctx: CanvasRenderingContext2D, _width: number, fx: FxFrame | null = null): void {
    const b = this.cur;
    this.cur = null;
    if (!b || !this.sending || !this.worker) return;
    let beams = 0;
    let effects = 0;
    if (fx) {
      const n = (fx.beams + fx.effects) * FX_STRIDE;
      if (b.fx.length < n) b.fx = new Float32Array(Math.max(1024, n * 2));
      b.fx.set(fx.data.subarray(0, n));
      beams = fx.beams;
      effects = fx.effects;
    }
    const m: StampFrameMessage = {
      type: 'frame',
      w: this.w,
      h: this.h,
      ratio: this.ratio,
      count: this.count,
      geo: b.geo,
      color: b.color,
      fx: b.fx,
      beams,
      effects,
    };
    this.worker.postMessage(m, [b.geo.buffer, b.color.buffer, b.fx.buffer]);
    this.shown = this.count > 0 || beams + effects > 0;
  }

  /** A frame drawn without this layer: clear what it last showed (once). */
  idle(): void {
    if (!this.shown || !this.worker) return;
    const b = this.free.pop();
    if (!b) return;
    const m: StampFrameMessage = {
      type: 'frame',
      w: this.w,
      h: this.h,
      ratio: this.ratio,
      count: 0,
      geo: b.geo,
      color: b.color,
      fx: b.fx,
      beams: 0,
      effects: 0,
    };
    this.worker.postMessage(m, [b.geo.buffer, b.color.buffer, b.fx.buffer]);
    this.shown = false;
  }

  /** True once the worker is drawing (not failed, not unsupported). */
  get active(): boolean {
    return this.worker !== null;
  }
}
