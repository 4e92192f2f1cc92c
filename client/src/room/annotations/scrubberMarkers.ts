import type { Annotation } from '../../../../shared/protocol/events.js';
import { clear, el, formatMs } from '../../dom.js';
import type { TimelineBar } from '../timeline/timelineBar.js';

// Annotation markers on the scrubber (the timeline bar's annotation layer). A stop annotation gets
// its own shape. Markers swallow the pointer press so clicking one does not start a scrub drag.

export class ScrubberMarkers {
  private list: readonly Annotation[] = [];
  private peekId: string | null = null;
  /** leftPercent of a fixed time: changes exactly when the bar's duration changes. */
  private scaleKey = '';

  constructor(
    private readonly timeline: TimelineBar,
    private readonly onPick: (a: Annotation) => void,
  ) {}

  set(list: readonly Annotation[], peekId: string | null): void {
    this.list = list;
    this.peekId = peekId;
    this.render();
  }

  /** Cheap per-frame check: re-place markers when the timeline's duration changed. */
  tick(): void {
    if (this.timeline.leftPercent(60_000) !== this.scaleKey) this.render();
  }

  private render(): void {
    const layer = this.timeline.annotationLayer;
    this.scaleKey = this.timeline.leftPercent(60_000);
    clear(layer);
    for (const a of this.list) {
      const m = el('button', {
        type: 'button',
        class: `annotation-marker${a.stop ? ' stop' : ''}${a.id === this.peekId ? ' peek' : ''}`,
        'data-testid': 'annotation-marker',
        'data-id': a.id,
        'data-stop': a.stop ? 'true' : undefined,
        // setAttribute: the title is text, never markup.
        title: `${formatMs(a.positionMs)}${a.stop ? ' · stop' : ''} · ${a.author}: ${a.text.slice(0, 140)}`,
        'aria-label': `Annotation at ${formatMs(a.positionMs)}`,
      });
      m.style.left = this.timeline.leftPercent(a.positionMs);
      m.addEventListener('pointerdown', (e) => e.stopPropagation());
      m.addEventListener('click', (e) => {
        e.stopPropagation();
        this.onPick(a);
      });
      layer.append(m);
    }
  }
}
