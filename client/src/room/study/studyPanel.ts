import type { BattleInfo } from '../../../../shared/battle/timeline.js';
import type { StudyProgressMsg, StudyResultMsg } from '../../../../shared/protocol/events.js';
import { MAX_STUDY_RUNS } from '../../../../shared/protocol/schemas.js';
import { sideName } from '../../compare/describe.js';
import { clear, el, setText } from '../../dom.js';
import { share, sharedBins } from './histogram.js';

// "What-if statistics" in the Branches tab: run N seeds of the room's branch on the server, watch the
// progress (cancel it), then compare the distribution with history's over the same seeds: winner share,
// losses per side as histograms, objectives reached. Pure view: actions go to the callbacks.

export interface StudyActions {
  run(runs: number): Promise<void>;
  cancel(studyId: string): Promise<void>;
}

export interface StudyView {
  battle: BattleInfo | null;
  role: string | null;
  branchId: string | null;
  running: StudyProgressMsg[];
  results: StudyResultMsg[];
}

const SVG = 'http://www.w3.org/2000/svg';

export class StudyPanel {
  readonly root: HTMLElement;
  private runsInput: HTMLInputElement;
  private runBtn: HTMLButtonElement;
  private progress: HTMLElement;
  private result: HTMLElement;
  private status: HTMLElement;
  private view: StudyView = { battle: null, role: null, branchId: null, running: [], results: [] };

  constructor(private readonly actions: StudyActions) {
    this.runsInput = el('input', {
      type: 'number',
      min: 1,
      max: MAX_STUDY_RUNS,
      step: 1,
      value: 10,
      'data-testid': 'study-runs',
      'aria-label': 'Number of seeds',
    });
    this.runBtn = el('button', { type: 'button', class: 'small', 'data-testid': 'study-run', text: 'Run seeds' });
    this.runBtn.addEventListener('click', () => void this.start());
    this.runsInput.addEventListener('input', () => setText(this.runBtn, `Run ${this.runs()} seeds`));
    setText(this.runBtn, `Run ${this.runs()} seeds`);
    this.progress = el('div', { class: 'study-progress', 'data-testid': 'study-progress' });
    this.result = el('div', { class: 'study-result', 'data-testid': 'study-result' });
    this.status = el('p', { class: 'study-status', role: 'status', 'data-testid': 'study-status' });
    this.root = el(
      'section',
      { class: 'study', 'data-testid': 'study' },
      el('h3', { text: 'What-if statistics' }),
      el('p', { class: 'study-hint', text: `The room's branch and history over the same seeds (at most ${MAX_STUDY_RUNS}).` }),
      el('div', { class: 'study-row' }, this.runsInput, this.runBtn),
      this.progress,
      this.result,
      this.status,
    );
  }

  private runs(): number {
    const n = Math.round(Number(this.runsInput.value));
    return Number.isFinite(n) ? Math.min(MAX_STUDY_RUNS, Math.max(1, n)) : 10;
  }

  flash(msg: string, error = false): void {
    setText(this.status, msg);
    this.status.classList.toggle('error', error);
  }

  private async start(): Promise<void> {
    try {
      await this.actions.run(this.runs());
    } catch (err) {
      this.flash((err as Error).message, true);
    }
  }

  render(v: StudyView): void {
    this.view = v;
    const canRun = v.role === 'instructor' || v.role === 'player';
    this.runBtn.disabled = !canRun;
    this.runsInput.disabled = !canRun;
    this.runBtn.title = canRun ? 'Simulate the battle again with other seeds, on the server' : 'Players and the instructor can run studies';
    clear(this.progress);
    for (const p of v.running) this.progress.append(this.progressRow(p));
    clear(this.result);
    const mine = v.results.filter((r) => r.status === 'done' && r.branchId === v.branchId);
    const latest = mine.at(-1);
    if (latest) this.result.append(this.resultView(latest));
  }

  private progressRow(p: StudyProgressMsg): HTMLElement {
    const bar = el('div', { class: 'study-bar' }, el('div', { class: 'study-fill' }));
    (bar.firstChild as HTMLElement).style.width = `${(100 * p.done) / p.runs}%`;
    const cancel = el('button', { type: 'button', class: 'small', 'data-testid': 'study-cancel', text: 'Cancel' });
    cancel.addEventListener('click', () => void this.actions.cancel(p.studyId).catch((err: Error) => this.flash(err.message, true)));
    const text = p.queued > 0 ? `Queued (#${p.queued}), ${p.runs} seeds` : `${p.done}/${p.runs} seeds`;
    return el('div', { class: 'study-running', 'data-study-id': p.studyId }, el('span', { class: 'study-count', text }), bar, cancel);
  }

  private resultView(r: StudyResultMsg): HTMLElement {
    const battle = this.view.battle;
    const box = el('div', { class: 'study-box', 'data-study-id': r.studyId });
    box.append(
      el('p', { class: 'study-meta', text: `${r.runs} seeds from ${r.seed}${r.cached ? ' (cached)' : ''} · asked by ${r.requestedBy}` }),
    );
    box.append(
      el(
        'div',
        { class: 'study-legend' },
        el('span', { class: 'key branch', text: 'this branch' }),
        el('span', { class: 'key history', text: 'history' }),
      ),
    );

    // Winner share, side by side.
    box.append(el('h4', { text: 'Winner' }));
    const sides = [...new Set([...Object.keys(r.winners), ...Object.keys(r.history.winners)])].sort();
    for (const w of sides) {
      const b = r.winners[w] ?? 0;
      const h = r.history.winners[w] ?? 0;
      box.append(
        el(
          'div',
          { class: 'study-share', 'data-testid': 'study-winner', 'data-side': w },
          el('span', { class: 'study-name', text: w === 'none' ? 'no winner' : sideName(battle, w) }),
          this.pair(b / r.runs, h / r.runs),
          el('span', { class: 'study-num', text: `${share(b, r.runs)} · ${share(h, r.runs)}` }),
        ),
      );
    }

    // Losses per side: ships lost per run, histogram on a shared scale.
    box.append(el('h4', { text: 'Ships lost per run' }));
    for (const side of Object.keys(r.losses).sort()) {
      const b = r.losses[side].ships;
      const h = r.history.losses[side]?.ships ?? [];
      box.append(
        el(
          'div',
          { class: 'study-hist-row', 'data-testid': 'study-losses', 'data-side': side },
          el('span', { class: 'study-name', text: sideName(battle, side) }),
          this.histogram(b, h),
        ),
      );
    }

    // Objectives reached.
    if (r.objectives.length || r.history.objectives.length) {
      box.append(el('h4', { text: 'Objectives complete' }));
      const ids = [...new Set([...r.objectives, ...r.history.objectives].map((o) => o.id))];
      for (const id of ids) {
        const b = r.objectives.find((o) => o.id === id);
        const h = r.history.objectives.find((o) => o.id === id);
        box.append(
          el(
            'div',
            { class: 'study-share', 'data-testid': 'study-objective' },
            el('span', { class: 'study-name', text: (b ?? h)!.label }),
            this.pair((b?.complete ?? 0) / r.runs, (h?.complete ?? 0) / r.runs),
            el('span', { class: 'study-num', text: `${b?.complete ?? 0}/${r.runs} · ${h?.complete ?? 0}/${r.runs}` }),
          ),
        );
      }
    }
    return box;
  }

  /** Two thin bars: the branch's fraction over history's. */
  private pair(branch: number, history: number): HTMLElement {
    const bar = (cls: string, f: number) => {
      const b = el('div', { class: `study-pair-bar ${cls}` });
      b.style.width = `${Math.round(100 * f)}%`;
      return b;
    };
    return el('div', { class: 'study-pair' }, bar('branch', branch), bar('history', history));
  }

  private histogram(branch: readonly number[], history: readonly number[]): SVGSVGElement {
    const bins = sharedBins([branch, history]);
    const w = 200;
    const h = 44;
    const n = bins.edges.length;
    const peak = Math.max(1, ...bins.counts.flat());
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h + 12}`);
    svg.setAttribute('class', 'study-hist');
    svg.setAttribute('role', 'img');
    const slot = w / n;
    bins.counts.forEach((counts, series) => {
      counts.forEach((c, i) => {
        const rect = document.createElementNS(SVG, 'rect');
        const bh = (h * c) / peak;
        rect.setAttribute('x', String(i * slot + 1 + (series * (slot - 2)) / 2));
        rect.setAttribute('y', String(h - bh));
        rect.setAttribute('width', String(Math.max(1, (slot - 2) / 2 - 1)));
        rect.setAttribute('height', String(bh));
        rect.setAttribute('class', series === 0 ? 'branch' : 'history');
        const title = document.createElementNS(SVG, 'title');
        title.textContent = `${series === 0 ? 'this branch' : 'history'}: ${c} run${c === 1 ? '' : 's'} with ${bins.edges[i]}${bins.width > 1 ? `–${bins.edges[i] + bins.width - 1}` : ''} lost`;
        rect.append(title);
        svg.append(rect);
      });
    });
    for (const i of [0, n - 1]) {
      const t = document.createElementNS(SVG, 'text');
      t.setAttribute('x', String(i * slot + (i === 0 ? 1 : slot - 1)));
      t.setAttribute('y', String(h + 10));
      t.setAttribute('text-anchor', i === 0 ? 'start' : 'end');
      t.textContent = i === 0 ? '0' : `${bins.edges[i] + bins.width - 1}`;
      svg.append(t);
    }
    return svg;
  }
}
