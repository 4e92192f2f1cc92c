import './annotations.css';
import type { Annotation } from '../../../../shared/protocol/events.js';
import type { RoomSettings } from '../../../../shared/protocol/schemas.js';
import { permissionsOf } from '../../../../shared/rules/permissions.js';
import { clear, el, formatMs } from '../../dom.js';
import type { RoomContext } from '../context.js';
import { permissions } from '../roomHandle.js';
import { AnnotationForm } from './annotationForm.js';
import { AnnotationList } from './annotationList.js';
import { AutopauseBanner } from './autopauseBanner.js';
import { drawAnnotationPins, type DrawnPin } from './mapOverlay.js';
import { MapPicker } from './mapPicker.js';
import { addWithRetry, branchAnnotations, mayAnnotate, parseLesson } from './model.js';
import { ScrubberMarkers } from './scrubberMarkers.js';

// The annotation feature of the room page: the "Annotations" tab (list, add form, instructor
// settings, export/import), markers on the scrubber, pins and arrows on the map, and the banner
// shown when the room auto-pauses on a stop annotation.
//
// Who controls playback (instructor, or everyone in an open room) seeks the room when picking an
// annotation; everyone else "peeks": the annotation is highlighted and its pin shown on the map,
// and the room's playback does not move.

export interface AnnotationHooks {
  /** Pins/arrows drawn on the map in the last frame (screen CSS px). */
  drawnPins(): DrawnPin[];
  peekId(): string | null;
}

declare global {
  interface Window {
    __wardroomAnnotations?: AnnotationHooks;
  }
}

const SETTINGS: { key: keyof RoomSettings; label: string }[] = [
  { key: 'playersAnnotate', label: 'Players may annotate' },
  { key: 'openControl', label: 'Everyone controls playback' },
  { key: 'stepMode', label: 'Step mode: pause at each phase end' },
];

export function mountAnnotations(ctx: RoomContext): void {
  const { room: client, tactical, timeline, side } = ctx;
  const slot = side.slot('annotations');
  let peekId: string | null = null;
  let list: Annotation[] = [];
  let drawn: DrawnPin[] = [];

  const status = el('p', { class: 'annotation-status', role: 'status', 'data-testid': 'annotation-status', hidden: true });
  let statusTimer = 0;
  const say = (msg: string, error = false): void => {
    status.textContent = msg;
    status.classList.toggle('error', error);
    status.hidden = false;
    window.clearTimeout(statusTimer);
    statusTimer = window.setTimeout(() => (status.hidden = true), 5000);
  };

  const openTab = (): void => {
    const tab = side.root.querySelector<HTMLButtonElement>('button.tab[data-tab="annotations"]');
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
  };

  function pick(a: Annotation, fromOutside: boolean): void {
    if (permissions(client).control) {
      peekId = null;
      void client.seek(a.positionMs).then((r) => r.ok || say(r.error.message, true));
    } else {
      peekId = peekId === a.id ? null : a.id;
    }
    if (fromOutside) openTab();
    render(true);
    listView.reveal(a.id);
  }

  const picker = new MapPicker(tactical.root, tactical.canvas, () => tactical.camera);
  const form = new AnnotationForm({
    picker,
    positionNow: () => client.positionNow(),
    phaseNow: () => {
      const st = client.stateNow();
      return { id: st?.phaseId ?? null, title: st?.phaseTitle ?? null };
    },
    submit: async (p) => {
      const r = await addWithRetry(client, p);
      if (!r.ok) say(`Not added: ${r.error.message}`, true);
      return r.ok;
    },
  });
  const listView = new AnnotationList({
    phaseTitle: (id) => (id ? (ctx.battle()?.phases.find((p) => p.id === id)?.title ?? id) : null),
    pick: (a) => pick(a, false),
    edit: async (p) => {
      const r = await client.editAnnotation(p);
      if (!r.ok) say(`Not saved: ${r.error.message}`, true);
      return r.ok;
    },
    remove: async (id) => {
      const r = await client.deleteAnnotation(id);
      if (!r.ok) say(`Not deleted: ${r.error.message}`, true);
      return r.ok;
    },
    refresh: () => render(true),
  });
  const markers = new ScrubberMarkers(timeline, (a) => pick(a, true));
  const banner = new AutopauseBanner(tactical.root);

  // Instructor settings.
  const toggles = new Map<keyof RoomSettings, HTMLInputElement>();
  const settingsBox = el(
    'fieldset',
    { class: 'annotation-settings', 'data-testid': 'room-settings', hidden: true },
    el('legend', { text: 'Room settings' }),
  );
  for (const s of SETTINGS) {
    const box = el('input', { type: 'checkbox', 'data-testid': `setting-${s.key}` });
    box.addEventListener('change', () => {
      const want = box.checked;
      box.disabled = true;
      void client.settings({ [s.key]: want }).then((r) => {
        box.disabled = false;
        if (!r.ok) {
          box.checked = !want;
          say(r.error.message, true);
        }
      });
    });
    toggles.set(s.key, box);
    settingsBox.append(el('label', { class: 'annotation-row' }, box, el('span', { text: s.label })));
  }

  // Export links and lesson import.
  const roomPath = `/api/rooms/${encodeURIComponent(client.roomId)}/annotations`;
  const importInput = el('input', {
    type: 'file',
    accept: '.json,application/json',
    'data-testid': 'annotation-import',
    class: 'visually-hidden',
  });
  const importLabel = el(
    'label',
    { class: 'button small', title: 'Load a lesson (a JSON export) into this room' },
    el('span', { text: 'Import lesson' }),
    importInput,
  );
  importInput.addEventListener('change', () => {
    const file = importInput.files?.[0];
    importInput.value = '';
    if (file) void importLesson(file);
  });
  async function importLesson(file: File): Promise<void> {
    const parsed = parseLesson(await file.text());
    if (!parsed.ok) return say(`Import failed: ${parsed.message}`, true);
    const r = await client.importAnnotations(parsed.payload);
    if (!r.ok) return say(`Import failed: ${r.error.message}`, true);
    const skipped = parsed.payload.annotations.length - r.imported;
    say(`Imported ${r.imported} annotation${r.imported === 1 ? '' : 's'}${skipped ? ` (${skipped} already here)` : ''}.`);
  }
  const exportRow = el(
    'div',
    { class: 'annotation-export' },
    el('a', {
      class: 'button small',
      href: roomPath,
      download: `lesson-${client.roomId}.json`,
      'data-testid': 'export-json',
      text: 'Export JSON',
    }),
    el('a', {
      class: 'button small',
      href: `${roomPath}?format=md`,
      download: `debrief-${client.roomId}.md`,
      'data-testid': 'export-md',
      text: 'Debrief (Markdown)',
    }),
    importLabel,
  );
  const readonlyNote = el('p', { class: 'slot-empty', 'data-testid': 'annotation-readonly', hidden: true });
  const count = el('h3', { text: 'Annotations' });

  clear(slot);
  slot.append(settingsBox, form.root, readonlyNote, status, count, listView.root, exportRow);

  // Re-render only when something shown changed: a keyframe or a seek must not rebuild an open editor.
  let lastKey = '';
  let lastAnnotations: unknown = null;
  function render(force = false): void {
    const room = client.room();
    const you = client.you();
    const key = JSON.stringify([room?.branchId, room?.settings, you?.role, you?.memberId, peekId]);
    if (!force && key === lastKey && room?.annotations === lastAnnotations) return;
    lastKey = key;
    lastAnnotations = room?.annotations;
    list = branchAnnotations(room);
    if (peekId && !list.some((a) => a.id === peekId)) peekId = null;
    const allowed = permissionsOf(room, you);
    const may = mayAnnotate(room, you);
    form.root.hidden = !may;
    if (!may) picker.cancel();
    readonlyNote.hidden = may || !room;
    readonlyNote.textContent =
      you?.role === 'player' ? 'Only the instructor annotates in this room for now.' : 'Only the instructor annotates in this room.';
    settingsBox.hidden = !allowed.changeSettings;
    importLabel.hidden = !allowed.importAnnotations;
    if (room) for (const [k, box] of toggles) if (!box.disabled) box.checked = room.settings[k];
    count.textContent = `Annotations (${list.length})`;
    listView.render(list, you, peekId);
    markers.set(list, peekId);
  }

  function onClock(): void {
    const c = client.clock();
    if (!c) return;
    if (c.state === 'paused' && c.reason === 'autopause') {
      if (c.version === banner.shownFor) return;
      const here = list
        .filter((a) => a.stop)
        .sort((x, y) => Math.abs(x.positionMs - c.positionMs) - Math.abs(y.positionMs - c.positionMs))[0];
      if (here && Math.abs(here.positionMs - c.positionMs) <= 250) {
        banner.show(here, c.version);
        listView.reveal(here.id);
      }
    } else if (c.state === 'paused' && c.reason === 'phase-end') {
      if (c.version === banner.shownFor) return;
      banner.note(`End of a phase at ${formatMs(c.positionMs)} (step mode)`, 'Press play to go on with the next phase.', c.version);
    } else if (banner.visible) banner.hide();
  }

  client.subscribe((change) => {
    if (change === 'clock') onClock();
    else render();
  });
  render(true);
  onClock();

  let battleSeen = ctx.battle();
  tactical.addOverlay((g, cam, frame) => {
    // Per-frame bits ride on the map's frame: the live moment in the form, marker placement,
    // phase titles once the battle info has arrived.
    if (ctx.battle() !== battleSeen) {
      battleSeen = ctx.battle();
      render(true);
    }
    form.tick();
    markers.tick();
    drawn = drawAnnotationPins(g, cam, list, frame.positionMs, peekId, picker.draft);
  });

  window.__wardroomAnnotations = { drawnPins: () => drawn, peekId: () => peekId };
}
