import { el } from '../../dom.js';
import type { SidePanel } from '../panel/sidePanel.js';

// Adds a tab of its own to the side panel without changing the panel: the new tab hides the others
// when chosen, and hides itself when another tab is chosen.

export function addSideTab(side: SidePanel, name: string, label: string): { panel: HTMLElement; tab: HTMLButtonElement } {
  const tabs = side.root.querySelector<HTMLElement>('.tabs');
  if (!tabs) throw new Error('side panel has no tabs');
  const panel = el('section', { class: 'tab-panel slot', 'data-tab': name, 'data-slot': name, hidden: true });
  const tab = el('button', { type: 'button', role: 'tab', class: 'tab', 'data-tab': name, 'aria-selected': 'false', text: label });
  tab.addEventListener('click', () => {
    for (const p of side.root.querySelectorAll<HTMLElement>(':scope > .tab-panel')) p.hidden = p !== panel;
    for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-selected', String(b === tab));
  });
  tabs.addEventListener('click', (e) => {
    const b = (e.target as Element | null)?.closest?.('button[role="tab"]');
    if (b && b !== tab) {
      panel.hidden = true;
      tab.setAttribute('aria-selected', 'false');
    }
  });
  tabs.append(tab);
  side.root.append(panel);
  return { panel, tab };
}

/** The side-panel tab open now (the camera presents it). */
export function openTab(side: SidePanel): string | undefined {
  return side.root.querySelector<HTMLElement>('.tabs button[role="tab"][aria-selected="true"]')?.dataset.tab;
}

/** Open a tab by name (a follower following the presenter's tab). */
export function selectTab(side: SidePanel, name: string): void {
  side.root.querySelector<HTMLButtonElement>(`.tabs button[role="tab"][data-tab="${CSS.escape(name)}"]`)?.click();
}
