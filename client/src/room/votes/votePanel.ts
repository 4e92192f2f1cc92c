import type { DecisionPointInfo } from '../../../../shared/battle/timeline.js';
import type { VoteOption, VoteState } from '../../../../shared/protocol/events.js';
import { clear, el, setText } from '../../dom.js';

// The "Group vote" box in the Branches tab: the instructor opens a vote at a decision point of the
// room's branch and closes it (forking the winner, optionally switching the room; a tie asks which
// of the tied options wins); players and viewers vote and may change their vote while it is open;
// everyone sees the live tallies. Pure view: actions go to the callbacks. Text only via textContent.

export interface VoteActions {
  open(decisionId: string): Promise<void>;
  cast(voteId: string, optionId: string, value?: number): Promise<void>;
  close(voteId: string, opts: { switch: boolean; optionId?: string }): Promise<void>;
}

export interface VoteView {
  role: string | null;
  /** Decision points the room's branch reaches (candidates for a vote). */
  decisions: DecisionPointInfo[];
  /** The room's votes, oldest first. */
  votes: VoteState[];
}

export class VotePanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private status: HTMLElement;
  private view: VoteView = { role: null, decisions: [], votes: [] };
  /** Slider positions per option while the user decides (kept across live tally re-renders). */
  private values = new Map<string, number>();
  private switchRoom = true;
  private tied: string[] | null = null;
  private pickDecision: string | null = null;

  constructor(private readonly actions: VoteActions) {
    this.body = el('div', { class: 'vote-body' });
    this.status = el('p', { class: 'vote-status', role: 'status', 'data-testid': 'vote-status' });
    this.root = el('section', { class: 'votes', 'data-testid': 'votes' }, el('h3', { text: 'Group vote' }), this.body, this.status);
  }

  flash(msg: string, error = false): void {
    setText(this.status, msg);
    this.status.classList.toggle('error', error);
  }

  render(v: VoteView): void {
    this.view = v;
    clear(this.body);
    const current = v.votes.at(-1);
    if (current?.open) this.body.append(this.voteBox(current));
    else {
      if (v.role === 'instructor') this.body.append(this.opener());
      else if (!current)
        this.body.append(el('p', { class: 'vote-hint', text: 'No vote yet. The instructor can put a decision to the room.' }));
      if (current) this.body.append(this.voteBox(current));
    }
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.flash((err as Error).message, true);
    }
  }

  private opener(): HTMLElement {
    const reached = this.view.decisions.filter((d) => d.atMs !== null);
    if (!reached.length) return el('p', { class: 'vote-hint', text: 'This branch reaches no decision point.' });
    if (!this.pickDecision || !reached.some((d) => d.id === this.pickDecision)) this.pickDecision = reached[0].id;
    const select = el('select', { 'data-testid': 'vote-decision', 'aria-label': 'Decision to vote on' });
    for (const d of reached) {
      const o = el('option', { value: d.id, text: d.title });
      if (d.id === this.pickDecision) o.selected = true;
      select.append(o);
    }
    select.addEventListener('change', () => (this.pickDecision = select.value));
    const btn = el('button', { type: 'button', class: 'small', 'data-testid': 'vote-open', text: 'Open a vote' });
    btn.addEventListener(
      'click',
      () =>
        void this.run(async () => {
          this.tied = null;
          await this.actions.open(select.value);
          this.flash('Vote open: the room can vote now.');
        }),
    );
    return el('div', { class: 'vote-opener' }, select, btn);
  }

  private voteBox(v: VoteState): HTMLElement {
    const { role } = this.view;
    const total = v.tallies.reduce((n, t) => n + t.count, 0);
    const canVote = v.open && role !== null && role !== 'instructor';
    const list = el('ul', { class: 'vote-options' });
    for (const o of v.options) list.append(this.optionRow(v, o, total, canVote));
    const head = el(
      'div',
      { class: 'vote-head' },
      el('span', { class: 'vote-title', 'data-testid': 'vote-title', text: v.title }),
      el('span', { class: `badge ${v.open ? 'vote-open-badge' : 'vote-closed-badge'}`, text: v.open ? 'open' : 'closed' }),
    );
    const meta = el('p', {
      class: 'vote-meta',
      'data-testid': 'vote-total',
      text: `${total} ballot${total === 1 ? '' : 's'} · opened by ${v.openedBy}`,
    });
    const box = el('div', { class: `vote${v.open ? ' open' : ''}`, 'data-vote-id': v.voteId }, head, meta, list);
    if (v.result) {
      const label = v.options.find((o) => o.optionId === v.result!.optionId)?.label ?? v.result.optionId;
      const value = v.result.value !== undefined ? ` (${v.result.value})` : '';
      const how = v.result.decidedBy === 'instructor' ? 'tie broken by the instructor' : `${v.result.votes} of ${v.result.total} ballots`;
      box.append(
        el('p', {
          class: 'vote-result',
          'data-testid': 'vote-result',
          text: `Result: ${label}${value}, ${how}.${v.result.switched ? ' The room switched to it.' : ' Forked as a what-if branch.'}`,
        }),
      );
    }
    if (v.open && role === 'instructor') box.append(this.closer(v));
    return box;
  }

  private optionRow(v: VoteState, o: VoteOption, total: number, canVote: boolean): HTMLElement {
    const t = v.tallies.find((x) => x.optionId === o.optionId);
    const n = t?.count ?? 0;
    const mine = v.yourChoice?.optionId === o.optionId;
    const bar = el('div', { class: 'vote-bar' }, el('div', { class: 'vote-fill' }));
    (bar.firstChild as HTMLElement).style.width = `${total ? (100 * n) / total : 0}%`;
    const row = el(
      'li',
      { class: `vote-option${mine ? ' mine' : ''}`, 'data-option-id': o.optionId },
      el(
        'div',
        { class: 'vote-option-head' },
        el('span', { class: 'vote-label', text: o.label }),
        o.historical ? el('span', { class: 'badge historical-badge', text: 'historical' }) : null,
        mine ? el('span', { class: 'badge chosen-badge', text: 'your vote' }) : null,
        el('span', { class: 'vote-count', 'data-testid': 'vote-count', text: String(n) }),
      ),
      bar,
    );
    if (t?.values?.length) {
      const vals = t.values.map((x) => (x.count > 1 ? `${x.value} ×${x.count}` : String(x.value))).join(', ');
      row.append(el('p', { class: 'vote-values', text: `${o.param?.label ?? 'values'}: ${vals}` }));
    }
    if (!canVote) return row;
    const controls = el('div', { class: 'vote-controls' });
    let input: HTMLInputElement | null = null;
    if (o.param) {
      const p = o.param;
      const key = `${v.voteId}/${o.optionId}`;
      const start = this.values.get(key) ?? (mine ? v.yourChoice?.value : undefined) ?? p.default;
      input = el('input', { type: 'range', min: p.min, max: p.max, step: p.step, 'aria-label': p.label, 'data-testid': 'vote-slider' });
      input.value = String(start);
      const out = el('output', { class: 'slider-value', text: `${start} ${p.unit}` });
      const inp = input;
      input.addEventListener('input', () => {
        this.values.set(key, Number(inp.value));
        setText(out, `${inp.value} ${p.unit}`);
      });
      controls.append(input, out);
    }
    const btn = el('button', { type: 'button', class: 'small', 'data-testid': 'vote-cast', text: mine ? 'Vote again' : 'Vote' });
    const inp = input;
    btn.addEventListener(
      'click',
      () =>
        void this.run(async () => {
          await this.actions.cast(v.voteId, o.optionId, inp ? Number(inp.value) : undefined);
          this.flash(`You voted: ${o.label}${inp ? ` (${inp.value})` : ''}. You may change your vote until it closes.`);
        }),
    );
    controls.append(btn);
    row.append(controls);
    return row;
  }

  private closer(v: VoteState): HTMLElement {
    const sw = el('input', { type: 'checkbox', 'data-testid': 'vote-switch' });
    sw.checked = this.switchRoom;
    sw.addEventListener('change', () => (this.switchRoom = sw.checked));
    const row = el('div', { class: 'vote-closer' }, el('label', {}, sw, ' switch the room to the winner'));
    const close = (optionId?: string) =>
      void this.run(async () => {
        try {
          await this.actions.close(v.voteId, { switch: this.switchRoom, optionId });
          this.tied = null;
        } catch (err) {
          const m = /^tie between (.+?):/.exec((err as Error).message);
          if (!m) throw err;
          this.tied = m[1].split(', ');
          this.render(this.view);
          this.flash('A tie: pick the winner among the tied options.');
        }
      });
    if (this.tied) {
      for (const id of this.tied) {
        const label = v.options.find((o) => o.optionId === id)?.label ?? id;
        const b = el('button', {
          type: 'button',
          class: 'small',
          'data-testid': 'vote-pick',
          'data-option-id': id,
          text: `Close: ${label} wins`,
        });
        b.addEventListener('click', () => close(id));
        row.append(b);
      }
    } else {
      const b = el('button', { type: 'button', class: 'small', 'data-testid': 'vote-close', text: 'Close vote and fork the winner' });
      b.addEventListener('click', () => close());
      row.append(b);
    }
    return row;
  }
}
