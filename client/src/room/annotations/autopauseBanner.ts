import type { Annotation } from '../../../../shared/protocol/events.js';
import { el, formatMs } from '../../dom.js';

// What a stop annotation says, shown big over the map when the room auto-pauses on it.

export class AutopauseBanner {
  readonly root: HTMLElement;
  private time: HTMLElement;
  private text: HTMLElement;
  private author: HTMLElement;
  /** The clock version the banner was shown for (the same pause is not shown twice). */
  shownFor = -1;

  constructor(host: HTMLElement) {
    this.time = el('strong', { class: 'autopause-time' });
    this.text = el('p', { class: 'autopause-text', 'data-testid': 'autopause-text' });
    this.author = el('span', { class: 'autopause-author' });
    const close = el('button', { type: 'button', class: 'autopause-close', 'aria-label': 'Dismiss', text: '×' });
    close.addEventListener('click', () => this.hide());
    this.root = el(
      'div',
      { class: 'autopause-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'autopause-banner', hidden: true },
      el('div', { class: 'autopause-head' }, el('span', { class: 'autopause-icon', text: '❚❚' }), this.time, this.author, close),
      this.text,
    );
    host.append(this.root);
  }

  show(a: Annotation, version: number): void {
    this.shownFor = version;
    this.time.textContent = `Paused at ${formatMs(a.positionMs)}`;
    this.author.textContent = `· ${a.author}`;
    this.text.textContent = a.text;
    this.root.dataset.id = a.id;
    this.root.hidden = false;
  }

  /** A pause that is not an annotation's (step mode's end of a phase). */
  note(head: string, text: string, version: number): void {
    this.shownFor = version;
    this.time.textContent = head;
    this.author.textContent = '';
    this.text.textContent = text;
    delete this.root.dataset.id;
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
  }

  get visible(): boolean {
    return !this.root.hidden;
  }
}
