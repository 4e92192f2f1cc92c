import type { AnnotationAddPayload } from '../../../../shared/protocol/schemas.js';
import { el, formatMs, setText } from '../../dom.js';
import type { PinDraft } from './mapOverlay.js';
import type { MapPicker } from './mapPicker.js';
import { newAnnotationId } from './model.js';

// The "add an annotation" form. The moment follows the play head until the author starts typing,
// then stays put (the moment they meant), with a button to take the current moment again.
// The id is made once per draft and kept across failed attempts, so a resend is stored once.

export interface FormHost {
  positionNow(): number;
  phaseNow(): { id: string | null; title: string | null };
  submit(p: AnnotationAddPayload): Promise<boolean>;
  picker: MapPicker;
}

export class AnnotationForm {
  readonly root: HTMLFormElement;
  private text: HTMLTextAreaElement;
  private stop: HTMLInputElement;
  private moment: HTMLElement;
  private pinLabel: HTMLElement;
  private pinBtn: HTMLButtonElement;
  private clearPin: HTMLButtonElement;
  private submitBtn: HTMLButtonElement;
  private frozen: { ms: number; phaseId: string | null; phaseTitle: string | null } | null = null;
  private pin: PinDraft | null = null;
  private pendingId: string | null = null;
  private busy = false;

  constructor(private readonly host: FormHost) {
    this.text = el('textarea', {
      class: 'annotation-input',
      rows: 3,
      maxlength: 2000,
      placeholder: 'What matters at this moment?',
      'data-testid': 'annotation-input',
      'aria-label': 'Annotation text',
    });
    this.stop = el('input', { type: 'checkbox', 'data-testid': 'annotation-stop' });
    this.moment = el('span', { class: 'annotation-moment', 'data-testid': 'annotation-moment' });
    const now = el('button', { type: 'button', class: 'small', title: 'Use the current moment', text: '↻ now' });
    this.pinBtn = el('button', { type: 'button', class: 'small', 'data-testid': 'annotation-pin', text: '● Pin on map' });
    this.clearPin = el('button', { type: 'button', class: 'small', hidden: true, text: '✕', 'aria-label': 'Remove the pin' });
    this.pinLabel = el('span', { class: 'annotation-pin-label', text: 'no pin' });
    this.submitBtn = el('button', { type: 'submit', class: 'primary', 'data-testid': 'annotation-submit', text: 'Add annotation' });
    this.root = el(
      'form',
      { class: 'annotation-form', 'data-testid': 'annotation-form' },
      this.text,
      el('div', { class: 'annotation-row' }, el('span', { text: 'At ' }), this.moment, now),
      el('div', { class: 'annotation-row' }, this.pinBtn, this.pinLabel, this.clearPin),
      el('label', { class: 'annotation-row' }, this.stop, el('span', { text: 'Stop here (auto-pause the room)' })),
      el('div', { class: 'annotation-row' }, this.submitBtn),
    );

    this.text.addEventListener('input', () => {
      if (!this.frozen) this.freeze();
    });
    now.addEventListener('click', () => this.freeze());
    this.pinBtn.addEventListener('click', () => {
      if (!this.frozen) this.freeze();
      host.picker.pick((d) => {
        if (d) this.pin = d;
        this.showPin();
      });
      setText(this.pinLabel, 'click the map…');
    });
    this.clearPin.addEventListener('click', () => {
      this.pin = null;
      this.showPin();
    });
    this.root.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
  }

  /** Per frame: the live moment while nothing is typed yet. */
  tick(): void {
    const m = this.frozen ?? { ms: this.host.positionNow(), phaseTitle: this.host.phaseNow().title };
    setText(this.moment, `${formatMs(m.ms)}${m.phaseTitle ? ` · ${m.phaseTitle}` : ''}${this.frozen ? '' : ' (now)'}`);
  }

  private freeze(): void {
    const ph = this.host.phaseNow();
    this.frozen = { ms: Math.round(this.host.positionNow()), phaseId: ph.id, phaseTitle: ph.title };
  }

  private showPin(): void {
    const p = this.pin;
    setText(
      this.pinLabel,
      p
        ? p.to
          ? `arrow (${Math.round(p.at.x)}, ${Math.round(p.at.y)}) → (${Math.round(p.to.x)}, ${Math.round(p.to.y)})`
          : `pin at (${Math.round(p.at.x)}, ${Math.round(p.at.y)})`
        : 'no pin',
    );
    this.clearPin.hidden = !p;
  }

  private async send(): Promise<void> {
    const text = this.text.value.trim();
    if (!text || this.busy) {
      if (!text) this.text.focus();
      return;
    }
    if (!this.frozen) this.freeze();
    const m = this.frozen!;
    this.pendingId ??= newAnnotationId();
    const p: AnnotationAddPayload = { id: this.pendingId, positionMs: m.ms, text };
    if (m.phaseId) p.phaseId = m.phaseId;
    if (this.pin) {
      p.at = this.pin.at;
      if (this.pin.to) p.to = this.pin.to;
    }
    if (this.stop.checked) p.stop = true;
    this.busy = true;
    this.submitBtn.disabled = true;
    try {
      if (await this.host.submit(p)) this.reset();
    } finally {
      this.busy = false;
      this.submitBtn.disabled = false;
    }
  }

  private reset(): void {
    this.text.value = '';
    this.stop.checked = false;
    this.pin = null;
    this.frozen = null;
    this.pendingId = null;
    this.host.picker.cancel();
    this.showPin();
  }
}
