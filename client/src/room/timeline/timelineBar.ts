import type { WorldState } from '../../../../shared/battle/state.js';
import type { DecisionPointInfo, PhaseSpan } from '../../../../shared/battle/timeline.js';
import { MAX_RATE, MIN_RATE, type PlaybackClock } from '../../../../shared/clock/playback.js';
import { clear, el, formatMs, setText } from '../../dom.js';

// The timeline bar under the map: phase bands, decision markers, a slot for annotation markers,
// the play head, the current in-universe label and caption, and the playback controls.

export const RATES = [0.25, 0.5, 1, 2, 4, 8, 16].filter((r) => r >= MIN_RATE && r <= MAX_RATE);

export interface TimelineActions {
  play(): void;
  pause(): void;
  seek(positionMs: number): void;
  setRate(rate: number): void;
  stepPhase(step: 1 | -1): void;
}

export class TimelineBar {
  readonly root: HTMLElement;
  /** Other features (annotations) put their markers here; positioned by `leftPercent(ms)`. */
  readonly annotationLayer: HTMLElement;
  private playBtn: HTMLButtonElement;
  private prevBtn: HTMLButtonElement;
  private nextBtn: HTMLButtonElement;
  private rateSel: HTMLSelectElement;
  private timeLabel: HTMLElement;
  private phaseLabel: HTMLElement;
  private caption: HTMLElement;
  private track: HTMLElement;
  private bands: HTMLElement;
  private markers: HTMLElement;
  private played: HTMLElement;
  private head: HTMLElement;
  private hoverLabel: HTMLElement;
  private durationMs = 1;
  private enabled = false;
  private dragMs: number | null = null;
  private lastDragSeek = 0;
  private clock: PlaybackClock | null = null;

  constructor(private readonly actions: TimelineActions) {
    this.prevBtn = el('button', {
      type: 'button',
      class: 'ctl',
      'data-testid': 'prev-phase',
      title: 'Previous phase (Shift+←)',
      'aria-label': 'Previous phase',
      text: '|◀',
    });
    this.playBtn = el('button', {
      type: 'button',
      class: 'ctl play',
      'data-testid': 'play-pause',
      title: 'Play/pause (Space)',
      'aria-label': 'Play',
      text: '▶',
    });
    this.nextBtn = el('button', {
      type: 'button',
      class: 'ctl',
      'data-testid': 'next-phase',
      title: 'Next phase (Shift+→)',
      'aria-label': 'Next phase',
      text: '▶|',
    });
    this.rateSel = el('select', { class: 'rate', 'data-testid': 'rate', title: 'Speed (↑/↓)', 'aria-label': 'Playback speed' });
    for (const r of RATES) this.rateSel.append(el('option', { value: r, text: `${r}×` }));
    this.rateSel.value = '1';
    this.timeLabel = el('span', { class: 'time', 'data-testid': 'time-label', text: '0:00 / 0:00' });
    this.phaseLabel = el('span', { class: 'phase-label', 'data-testid': 'phase-label' });
    this.caption = el('p', { class: 'caption', 'data-testid': 'caption' });

    this.bands = el('div', { class: 'bands' });
    this.markers = el('div', { class: 'markers' });
    this.annotationLayer = el('div', { class: 'annotation-markers', 'data-slot': 'annotation-markers' });
    this.played = el('div', { class: 'played' });
    this.head = el('div', { class: 'head' });
    this.hoverLabel = el('div', { class: 'hover-label', hidden: true });
    this.track = el(
      'div',
      { class: 'track', 'data-testid': 'scrubber', role: 'slider', 'aria-label': 'Playback position', tabindex: -1 },
      this.bands,
      this.played,
      this.markers,
      this.annotationLayer,
      this.head,
      this.hoverLabel,
    );

    this.playBtn.addEventListener('click', () => {
      if (this.clock?.state === 'playing') this.actions.pause();
      else this.actions.play();
    });
    this.prevBtn.addEventListener('click', () => this.actions.stepPhase(-1));
    this.nextBtn.addEventListener('click', () => this.actions.stepPhase(1));
    this.rateSel.addEventListener('change', () => this.actions.setRate(Number(this.rateSel.value)));
    this.bindScrub();

    this.root = el(
      'div',
      { class: 'timeline-bar', 'data-testid': 'timeline-bar' },
      el('div', { class: 'timeline-info' }, this.phaseLabel, this.caption),
      this.track,
      el('div', { class: 'controls' }, this.prevBtn, this.playBtn, this.nextBtn, this.rateSel, this.timeLabel),
    );
    this.setEnabled(false);
  }

  leftPercent(ms: number): string {
    return `${((Math.min(Math.max(ms, 0), this.durationMs) / this.durationMs) * 100).toFixed(3)}%`;
  }

  /** The branch is still compiling: its length is how far it is simulated so far (the label says so). */
  private compiling = false;

  setTimeline(durationMs: number, phases: readonly PhaseSpan[], decisions: readonly DecisionPointInfo[], compiling = false): void {
    this.durationMs = Math.max(1, durationMs);
    this.compiling = compiling;
    clear(this.bands);
    phases.forEach((p, i) => {
      const band = el(
        'div',
        { class: `band band-${i % 2}`, title: `${p.title} — ${p.label}`, 'data-phase': p.id },
        el('span', { text: p.title }),
      );
      band.style.left = this.leftPercent(p.startMs);
      band.style.width = `${(((p.endMs - p.startMs) / this.durationMs) * 100).toFixed(3)}%`;
      band.addEventListener('dblclick', () => this.enabled && this.actions.seek(p.startMs));
      this.bands.append(band);
    });
    clear(this.markers);
    for (const d of decisions) {
      if (d.atMs === null) continue;
      const m = el('div', { class: 'decision-marker', title: `Decision: ${d.title}`, 'data-decision': d.id });
      m.style.left = this.leftPercent(d.atMs);
      this.markers.append(m);
    }
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    for (const b of [this.playBtn, this.prevBtn, this.nextBtn]) b.disabled = !enabled;
    this.rateSel.disabled = !enabled;
    this.track.classList.toggle('disabled', !enabled);
    this.track.setAttribute('aria-disabled', String(!enabled));
    this.root.classList.toggle('readonly', !enabled);
  }

  get controlsEnabled(): boolean {
    return this.enabled;
  }

  update(positionMs: number, clock: PlaybackClock | null, state: WorldState | null): void {
    this.clock = clock;
    if (clock && clock.durationMs > 0 && clock.durationMs !== this.durationMs) this.durationMs = clock.durationMs;
    const shown = this.dragMs ?? positionMs;
    const pct = this.leftPercent(shown);
    if (this.head.style.left !== pct) {
      this.head.style.left = pct;
      this.played.style.width = pct;
    }
    this.track.setAttribute('aria-valuenow', String(Math.round(shown)));
    setText(this.timeLabel, `${formatMs(shown)} / ${formatMs(this.durationMs)}${this.compiling ? ' so far · compiling' : ''}`);
    const playing = clock?.state === 'playing';
    setText(this.playBtn, playing ? '❚❚' : '▶');
    this.playBtn.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    if (clock && document.activeElement !== this.rateSel) {
      const v = String(clock.rate);
      if (this.rateSel.value !== v) this.rateSel.value = v;
    }
    const phase = state?.phaseTitle ? `${state.phaseTitle}${state.label ? ` — ${state.label}` : ''}` : '';
    setText(this.phaseLabel, phase);
    setText(this.caption, state?.ended ? state.ended.summary : (state?.caption ?? ''));
  }

  private msAt(clientX: number): number {
    const r = this.track.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (clientX - r.left) / Math.max(1, r.width)));
    return Math.round(f * this.durationMs);
  }

  private bindScrub(): void {
    const t = this.track;
    t.addEventListener('pointerdown', (e) => {
      if (!this.enabled) return;
      t.setPointerCapture(e.pointerId);
      this.dragMs = this.msAt(e.clientX);
      this.lastDragSeek = performance.now();
    });
    t.addEventListener('pointermove', (e) => {
      const ms = this.msAt(e.clientX);
      if (this.dragMs !== null) {
        this.dragMs = ms;
        // The room follows a drag live, a few seeks per second (the release sends the exact one).
        const now = performance.now();
        if (now - this.lastDragSeek > 200) {
          this.lastDragSeek = now;
          this.actions.seek(ms);
        }
      }
      this.hoverLabel.hidden = false;
      setText(this.hoverLabel, formatMs(ms));
      this.hoverLabel.style.left = this.leftPercent(ms);
    });
    t.addEventListener('pointerleave', () => {
      this.hoverLabel.hidden = true;
    });
    const finish = (e: PointerEvent): void => {
      if (this.dragMs === null) return;
      const ms = this.msAt(e.clientX);
      this.dragMs = null;
      this.actions.seek(ms);
    };
    t.addEventListener('pointerup', finish);
    t.addEventListener('pointercancel', () => {
      this.dragMs = null;
    });
  }
}

export function nextRate(rate: number, dir: 1 | -1): number {
  const i = RATES.findIndex((r) => r >= rate - 1e-9);
  const idx = i < 0 ? RATES.length - 1 : i;
  return RATES[Math.min(RATES.length - 1, Math.max(0, idx + dir))];
}
