import type { Annotation, Member } from '../../../../shared/protocol/events.js';
import type { AnnotationEditPayload } from '../../../../shared/protocol/schemas.js';
import { clear, el, formatMs } from '../../dom.js';
import { mayChange } from './model.js';

// The list of the branch's annotations in playback order. Every user string goes in through
// textContent (el's `text`), never innerHTML.

export interface ListHost {
  phaseTitle(phaseId: string | undefined): string | null;
  /** Seek (who controls playback) or peek (everyone else). */
  pick(a: Annotation): void;
  edit(p: AnnotationEditPayload): Promise<boolean>;
  remove(id: string): Promise<boolean>;
  /** Render the list again (after leaving the editor). */
  refresh(): void;
}

export class AnnotationList {
  readonly root: HTMLOListElement;
  private editing: { id: string; text: string; stop: boolean } | null = null;
  private items = new Map<string, HTMLElement>();

  constructor(private readonly host: ListHost) {
    this.root = el('ol', { class: 'annotation-list', 'data-testid': 'annotation-list' });
  }

  render(list: readonly Annotation[], you: Member | null, peekId: string | null): void {
    clear(this.root);
    this.items.clear();
    if (!list.length) this.root.append(el('li', { class: 'slot-empty', text: 'No annotations on this branch yet.' }));
    for (const a of list) {
      const li = this.item(a, you, a.id === peekId);
      this.items.set(a.id, li);
      this.root.append(li);
    }
    if (this.editing && !list.some((a) => a.id === this.editing?.id)) this.editing = null;
  }

  /** Scroll an item into view and flash it. */
  reveal(id: string): void {
    const li = this.items.get(id);
    if (!li) return;
    li.scrollIntoView({ block: 'nearest' });
    li.classList.remove('flash');
    void li.offsetWidth; // restart the animation
    li.classList.add('flash');
  }

  private item(a: Annotation, you: Member | null, peek: boolean): HTMLElement {
    const phase = this.host.phaseTitle(a.phaseId);
    const time = el('button', {
      type: 'button',
      class: 'annotation-time',
      'data-testid': 'annotation-time',
      title: 'Go to this moment',
      text: formatMs(a.positionMs),
    });
    time.addEventListener('click', () => this.host.pick(a));
    const head = el(
      'div',
      { class: 'annotation-head' },
      time,
      phase ? el('span', { class: 'annotation-phase', text: phase }) : null,
      a.stop ? el('span', { class: 'annotation-stop-badge', title: 'The room pauses here', text: 'stop' }) : null,
      a.at
        ? el('span', { class: 'annotation-map-badge', title: a.to ? 'Arrow on the map' : 'Pin on the map', text: a.to ? '↗' : '●' })
        : null,
      el('span', { class: 'spacer' }),
      el('span', { class: 'annotation-author', 'data-testid': 'annotation-author', text: a.author }),
    );
    const li = el(
      'li',
      { class: `annotation-item${peek ? ' peek' : ''}${a.stop ? ' stop' : ''}`, 'data-testid': 'annotation-item', 'data-id': a.id },
      head,
    );
    if (this.editing?.id === a.id) {
      li.append(this.editor(a));
      return li;
    }
    const body = el('p', { class: 'annotation-text', 'data-testid': 'annotation-text', text: a.text });
    body.addEventListener('click', () => this.host.pick(a));
    li.append(body);
    if (peek)
      li.append(
        el('p', {
          class: 'annotation-peek',
          'data-testid': 'annotation-peek',
          text: `Showing ${formatMs(a.positionMs)} on the map; the room's playback is not moved.`,
        }),
      );
    if (mayChange(you, a)) {
      const edit = el('button', { type: 'button', class: 'small', 'data-testid': 'annotation-edit', text: 'Edit' });
      const del = el('button', { type: 'button', class: 'small danger', 'data-testid': 'annotation-delete', text: 'Delete' });
      edit.addEventListener('click', () => {
        this.editing = { id: a.id, text: a.text, stop: a.stop === true };
        li.replaceChildren(head, this.editor(a));
      });
      del.addEventListener('click', () => {
        del.disabled = true;
        void this.host.remove(a.id).finally(() => (del.disabled = false));
      });
      li.append(el('div', { class: 'annotation-actions' }, edit, del));
    }
    return li;
  }

  private editor(a: Annotation): HTMLElement {
    const draft = this.editing ?? { id: a.id, text: a.text, stop: a.stop === true };
    const text = el('textarea', {
      class: 'annotation-input',
      rows: 3,
      maxlength: 2000,
      'data-testid': 'annotation-edit-input',
      'aria-label': 'Annotation text',
    });
    text.value = draft.text;
    text.addEventListener('input', () => (draft.text = text.value));
    const stop = el('input', { type: 'checkbox' });
    stop.checked = draft.stop;
    stop.addEventListener('change', () => (draft.stop = stop.checked));
    const save = el('button', { type: 'submit', class: 'small primary', 'data-testid': 'annotation-save', text: 'Save' });
    const cancel = el('button', { type: 'button', class: 'small', text: 'Cancel' });
    const form = el(
      'form',
      { class: 'annotation-editor' },
      text,
      el('label', { class: 'annotation-row' }, stop, el('span', { text: 'Stop here' })),
      el('div', { class: 'annotation-row' }, save, cancel),
    );
    cancel.addEventListener('click', () => {
      this.editing = null;
      this.host.refresh();
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const t = draft.text.trim();
      if (!t) return;
      save.disabled = true;
      void this.host.edit({ id: a.id, text: t, stop: draft.stop }).then((ok) => {
        save.disabled = false;
        if (ok && this.editing?.id === a.id) {
          this.editing = null;
          this.host.refresh();
        }
      });
    });
    this.editing = draft;
    return form;
  }
}
