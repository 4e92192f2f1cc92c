import type { BattleInfo, DecisionPointInfo } from '../../../../shared/battle/timeline.js';
import type { DecisionChoice, DecisionOptionInfo } from '../../../../shared/battle/types.js';
import type { BranchTree, BranchTreeNode } from '../../../../shared/protocol/events.js';
import { describeChoice, lossesText, sideName } from '../../compare/describe.js';
import { clear, el, formatMs, setText } from '../../dom.js';
import type { Permissions } from '../../../../shared/rules/permissions.js';

// The "Branches" tab: the room's branch tree (history as the trunk, forks indented under their
// parents, the room's branch highlighted) with each branch's decisions and outcome, and the decision
// points of the room's current branch, each option with its label, a "historical" badge and, for a
// quantity, a slider over its allowed range. Pure view: actions go to the callbacks.

export interface BranchActions {
  fork(choice: DecisionChoice): Promise<void>;
  switchTo(branchId: string): Promise<void>;
  preview(node: BranchTreeNode): void;
  compare(a: BranchTreeNode, b: BranchTreeNode): void;
}

export interface PanelView {
  battle: BattleInfo | null;
  tree: BranchTree | null;
  /** What this member may do (shared/rules/permissions.ts); null before joining. */
  may: Pick<Permissions, 'fork' | 'switchBranch'> | null;
}

/** A short name for a branch: "History", or the choice it made at its fork. */
export function branchLabel(battle: BattleInfo | null, node: Pick<BranchTreeNode, 'history' | 'fork' | 'decisions'>): string {
  if (node.history) return 'History';
  const forkChoice = node.decisions.find((d) => d.decisionId === node.fork?.decisionId);
  if (forkChoice) return describeChoice(battle, forkChoice);
  return node.fork
    ? `${battle?.decisions.find((d) => d.id === node.fork?.decisionId)?.title ?? node.fork.decisionId}: historical choice`
    : 'What-if';
}

export class BranchesPanel {
  readonly root: HTMLElement;
  private treeList: HTMLElement;
  private decisionsBox: HTMLElement;
  private status: HTMLElement;
  private current: HTMLElement;
  private view: PanelView = { battle: null, tree: null, may: null };
  private busy = false;
  /** What the user picked but has not forked yet, per branch and decision: survives re-renders (a new branch elsewhere). */
  private drafts = new Map<string, { selected: string; values: Map<string, number> }>();

  constructor(private readonly actions: BranchActions) {
    this.current = el('p', { class: 'branch-current', 'data-testid': 'branch-current' });
    this.status = el('p', { class: 'branch-status', role: 'status', 'data-testid': 'branch-status' });
    this.treeList = el('ul', { class: 'branch-tree', 'data-testid': 'branch-tree' });
    this.decisionsBox = el('div', { class: 'decision-list', 'data-testid': 'decision-list' });
    this.root = el(
      'div',
      { class: 'branches' },
      this.current,
      el('h3', { text: 'Branch tree' }),
      this.treeList,
      el('h3', { text: 'Decision points on this branch' }),
      this.decisionsBox,
      this.status,
    );
  }

  flash(msg: string, error = false): void {
    setText(this.status, msg);
    this.status.classList.toggle('error', error);
  }

  render(v: PanelView): void {
    this.view = v;
    const { tree, battle } = v;
    clear(this.treeList);
    if (!tree) {
      setText(this.current, 'Loading branches…');
      return;
    }
    const cur = tree.branches.find((b) => b.branchId === tree.currentBranchId);
    setText(this.current, cur ? `The room follows: ${branchLabel(battle, cur)}` : '');
    for (const node of tree.branches) this.treeList.append(this.nodeRow(node, tree));
    this.renderDecisions(cur ?? tree.branches[0]);
  }

  /** Scroll to (and flash) a decision point, e.g. from a click on its scrubber marker. */
  focusDecision(decisionId: string): void {
    const item = this.decisionsBox.querySelector<HTMLElement>(`[data-decision-id="${CSS.escape(decisionId)}"]`);
    if (!item) return;
    item.scrollIntoView({ block: 'nearest' });
    item.classList.remove('focused');
    void item.offsetWidth; // restart the highlight animation
    item.classList.add('focused');
  }

  private nodeRow(node: BranchTreeNode, tree: BranchTree): HTMLElement {
    const { battle, may } = this.view;
    const isCurrent = node.branchId === tree.currentBranchId;
    const parent = tree.branches.find((b) => b.branchId === node.parentBranchId) ?? null;
    const history = tree.branches[0];
    const current = tree.branches.find((b) => b.branchId === tree.currentBranchId) ?? history;
    const buttons: HTMLElement[] = [];
    const btn = (text: string, testId: string, fn: () => void, title?: string): void => {
      const b = el('button', { type: 'button', class: 'small', 'data-testid': testId, text, title });
      b.addEventListener('click', fn);
      buttons.push(b);
    };
    if (!isCurrent && may?.switchBranch)
      btn(
        'Switch room',
        'branch-switch',
        () => void this.run(() => this.actions.switchTo(node.branchId)),
        'Move the whole room to this branch',
      );
    if (!isCurrent)
      btn('Preview', 'branch-preview', () => this.actions.preview(node), 'Watch this branch yourself; the room does not move');
    if (!node.history) btn('Compare with history', 'branch-compare-history', () => this.actions.compare(history, node));
    if (parent && !parent.history) btn('Compare with parent', 'branch-compare-parent', () => this.actions.compare(parent, node));
    if (!isCurrent && !node.history && current.branchId !== history.branchId && current.branchId !== node.parentBranchId)
      btn('Compare with room', 'branch-compare-room', () => this.actions.compare(current, node));

    const o = node.outcome;
    const compiling = node.complete === false;
    // The label names the fork's choice; a nested branch also carries its ancestors' choices.
    const decisions = node.history
      ? 'Every decision as it happened.'
      : node.decisions.length > 1
        ? `All its decisions: ${node.decisions.map((d) => describeChoice(battle, d)).join(' · ')}`
        : 'Otherwise as it happened.';
    const li = el(
      'li',
      {
        class: `branch-node${isCurrent ? ' current' : ''}${node.history ? ' trunk' : ''}`,
        'data-branch-id': node.branchId,
        'data-depth': node.depth,
        'data-testid': 'branch-node',
        'aria-current': isCurrent ? 'true' : undefined,
      },
      el(
        'div',
        { class: 'branch-head' },
        el('span', { class: 'branch-name', text: branchLabel(battle, node) }),
        isCurrent ? el('span', { class: 'badge room-badge', text: 'room' }) : null,
      ),
      node.fork
        ? el('div', { class: 'branch-meta', text: `forked at ${formatMs(node.fork.atMs)}${node.createdBy ? ` by ${node.createdBy}` : ''}` })
        : null,
      el('div', { class: 'branch-decisions', text: decisions }),
      // A what-if still compiling has no outcome yet (its record carries a placeholder): say so, not "No winner".
      el(
        'div',
        { class: `branch-outcome${compiling ? ' compiling' : ''}`, 'data-testid': 'branch-outcome' },
        ...(compiling
          ? [el('span', { text: 'Compiling… it plays as far as it is simulated; its outcome follows.' })]
          : [
              el('span', { class: 'winner', text: o.winner === null ? 'No winner' : `Winner: ${sideName(battle, o.winner)}` }),
              el('span', { class: 'losses', text: `Losses: ${lossesText(battle, o) || 'none'}` }),
            ]),
      ),
      buttons.length ? el('div', { class: 'branch-buttons' }, ...buttons) : null,
    );
    li.style.setProperty('--depth', String(node.depth));
    if (!compiling) li.title = o.summary;
    return li;
  }

  private renderDecisions(node: BranchTreeNode): void {
    clear(this.decisionsBox);
    const canFork = this.view.may?.fork === true;
    const points = [...node.decisionPoints].sort((a, b) => (a.atMs ?? Infinity) - (b.atMs ?? Infinity));
    if (!points.length) this.decisionsBox.append(el('p', { class: 'slot-empty', text: 'This battle has no decision points.' }));
    for (const dp of points) this.decisionsBox.append(this.decisionItem(node.branchId, dp, canFork));
  }

  private decisionItem(branchId: string, dp: DecisionPointInfo, canFork: boolean): HTMLElement {
    const reached = dp.atMs !== null;
    const name = `dp-${dp.id}`;
    const chosen = dp.chosen;
    const key = `${branchId}/${dp.id}`;
    const draft = this.drafts.get(key) ?? {
      selected: chosen?.optionId ?? dp.options.find((o) => o.historical)?.id ?? dp.options[0]?.id ?? '',
      values: new Map<string, number>(),
    };
    this.drafts.set(key, draft);
    let selected = draft.selected;
    const values = draft.values;
    const forkBtn = el('button', { type: 'button', class: 'primary small', 'data-testid': 'fork-button', text: 'Fork here' });
    const hint = el('span', { class: 'fork-hint' });
    const options = el('ul', { class: 'options' });
    const sameAsChosen = (): boolean => {
      if (!chosen || chosen.optionId !== selected) return false;
      return chosen.value === undefined || chosen.value === values.get(selected);
    };
    const refresh = (): void => {
      const same = sameAsChosen();
      forkBtn.disabled = !canFork || !reached || same || this.busy;
      setText(
        hint,
        !reached
          ? 'not reached on this branch'
          : !canFork
            ? 'players and the instructor can fork'
            : same
              ? 'what this branch already did'
              : '',
      );
    };
    for (const opt of dp.options) {
      const id = `${name}-${opt.id}`;
      const radio = el('input', { type: 'radio', name, id, value: opt.id, 'data-option-id': opt.id, disabled: !canFork || !reached });
      radio.checked = opt.id === selected;
      radio.addEventListener('change', () => {
        selected = draft.selected = opt.id;
        refresh();
      });
      const isChosen = chosen?.optionId === opt.id;
      const li = el(
        'li',
        { class: `option${isChosen ? ' chosen' : ''}`, 'data-option-id': opt.id },
        el(
          'label',
          { for: id },
          radio,
          el('span', { class: 'option-label', text: opt.label }),
          opt.historical ? el('span', { class: 'badge historical-badge', 'data-testid': 'historical-badge', text: 'historical' }) : null,
          isChosen
            ? el('span', { class: 'badge chosen-badge', text: chosen?.value !== undefined ? `chosen: ${chosen.value}` : 'chosen here' })
            : null,
        ),
      );
      if (opt.param)
        li.append(
          this.slider(
            opt,
            values.get(opt.id) ?? (isChosen ? chosen?.value : undefined),
            values,
            () => {
              selected = draft.selected = opt.id;
              radio.checked = true;
              refresh();
            },
            !canFork || !reached,
          ),
        );
      options.append(li);
    }
    forkBtn.addEventListener('click', () => {
      const value = values.get(selected);
      const choice: DecisionChoice =
        value === undefined ? { decisionId: dp.id, optionId: selected } : { decisionId: dp.id, optionId: selected, value };
      void this.run(() => this.actions.fork(choice));
    });
    refresh();
    return el(
      'section',
      { class: `decision${reached ? '' : ' unreached'}`, 'data-decision-id': dp.id, 'data-testid': 'decision-point' },
      el(
        'div',
        { class: 'decision-head' },
        el('strong', { text: dp.title }),
        el('span', { class: 'decision-at', text: reached ? formatMs(dp.atMs ?? 0) : '—' }),
      ),
      el('p', { class: 'decision-prompt', text: dp.prompt }),
      options,
      el('div', { class: 'fork-row' }, forkBtn, hint),
    );
  }

  private slider(
    opt: DecisionOptionInfo,
    chosenValue: number | undefined,
    values: Map<string, number>,
    onInput: () => void,
    disabled: boolean,
  ): HTMLElement {
    const p = opt.param!;
    const start = chosenValue ?? p.default;
    values.set(opt.id, start);
    const input = el('input', {
      type: 'range',
      min: p.min,
      max: p.max,
      step: p.step,
      'data-testid': 'option-slider',
      'data-option-id': opt.id,
      'aria-label': `${p.label} (${p.min}–${p.max} ${p.unit})`,
      disabled,
    });
    input.value = String(start);
    const out = el('output', { class: 'slider-value', 'data-testid': 'slider-value', text: `${start} ${p.unit}` });
    input.addEventListener('input', () => {
      const v = Number(input.value);
      values.set(opt.id, v);
      setText(out, `${v} ${p.unit}`);
      onInput();
    });
    return el(
      'div',
      { class: 'slider' },
      el('span', { class: 'slider-label', text: p.label }),
      el('span', { class: 'range', text: `${p.min}` }),
      input,
      el('span', { class: 'range', text: `${p.max}` }),
      out,
      // The default is what happened only on the historical option; on another it is the seed's suggestion.
      el('span', { class: 'slider-history', text: `${opt.historical ? 'history' : 'default'}: ${p.default}` }),
    );
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-testid="fork-button"]')) b.disabled = true;
    try {
      await fn();
    } catch (err) {
      this.flash(err instanceof Error ? err.message : String(err), true);
    } finally {
      this.busy = false;
      this.render(this.view);
    }
  }
}
