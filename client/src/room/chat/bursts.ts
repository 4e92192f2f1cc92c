import { REACTION_EMOJI, type ReactionCount } from '../../../../shared/protocol/events.js';
import { el } from '../../dom.js';
import type { TimelineBar } from '../timeline/timelineBar.js';

// Reaction bursts on the scrubber: a few emoji float up from the moment they are pinned to.
// Count-limited so a thousand reactions stay a readable burst, not a thousand DOM nodes.

const PER_BURST = 5;
const MAX_LIVE = 60;

export class BurstLayer {
  readonly root: HTMLElement;
  /** Bursts drawn so far (test hook). */
  shown = 0;

  constructor(private readonly timeline: TimelineBar) {
    this.root = el('div', { class: 'reaction-bursts', 'data-testid': 'reaction-bursts', 'aria-hidden': 'true' });
    // Beside the annotation markers on the scrubber track, not inside: their layer is re-rendered by clearing it.
    (timeline.annotationLayer.parentElement ?? timeline.root).append(this.root);
  }

  burst(r: ReactionCount): void {
    this.shown++;
    const n = Math.min(PER_BURST, r.count);
    for (let k = 0; k < n && this.root.childElementCount < MAX_LIVE; k++) {
      const span = el('span', {
        class: 'burst',
        'data-symbol': r.symbol,
        text: k === 0 && r.count > PER_BURST ? `${REACTION_EMOJI[r.symbol]}×${r.count}` : REACTION_EMOJI[r.symbol],
      });
      span.style.left = this.timeline.leftPercent(r.positionMs);
      // Spread a burst's emoji, and successive bursts at one moment, so they do not stack into one glyph.
      const spread = ((this.shown * 37) % 72) - 36;
      span.style.setProperty('--dx', `${Math.round(spread + (k - (n - 1) / 2) * 14)}px`);
      span.style.animationDelay = `${k * 70}ms`;
      this.root.append(span);
      window.setTimeout(() => span.remove(), 1800 + k * 70);
    }
  }
}
