import { createRoom, listBattles, type BattleListItem } from '../api.js';
import { clear, el, formatMs } from '../dom.js';
import { getName, parseRoomInput, setInstructorKey, setName } from '../prefs.js';
import { momentQuery } from '../room/moments/momentLink.js';

// The lobby: pick a battle and create a room (you become its instructor), or join one by link/id.

export async function renderLobby(root: HTMLElement): Promise<void> {
  clear(root);
  const nameInput = el('input', { id: 'name', type: 'text', maxlength: 40, placeholder: 'Your name', autocomplete: 'nickname' });
  nameInput.value = getName();
  nameInput.addEventListener('change', () => setName(nameInput.value));

  const list = el('ul', { class: 'battle-list', 'data-testid': 'battle-list' });
  const created = el('section', { class: 'created', hidden: true, 'data-testid': 'created' });
  const status = el('p', { class: 'status', role: 'status' });

  const joinInput = el('input', { id: 'join-input', type: 'text', placeholder: 'Paste a room link or id' });
  const joinBtn = el('button', { type: 'submit', class: 'primary', text: 'Join' });
  const joinForm = el('form', { class: 'join', 'data-testid': 'join-form' }, joinInput, joinBtn);
  joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const parsed = parseRoomInput(joinInput.value);
    if (!parsed) {
      status.textContent = 'That is not a room link or id.';
      return;
    }
    setName(nameInput.value);
    // A moment link keeps its t/branch/annotation.
    const params = [parsed.role ? `role=${parsed.role}` : '', momentQuery(joinInput.value)].filter(Boolean).join('&');
    window.location.assign(`/room/${encodeURIComponent(parsed.roomId)}${params ? `?${params}` : ''}`);
  });

  root.append(
    el(
      'main',
      { class: 'lobby' },
      el(
        'header',
        { class: 'lobby-head' },
        el('h1', { text: 'Wardroom' }),
        el('p', { class: 'tagline', text: 'Replay Dominion War battles together, in sync. Pause, annotate, and ask "what if".' }),
      ),
      el('section', { class: 'who' }, el('label', { for: 'name', text: 'Name' }), nameInput),
      el('section', {}, el('h2', { text: 'Battles' }), list),
      created,
      el('section', {}, el('h2', { text: 'Join a room' }), joinForm),
      status,
    ),
  );

  let battles: BattleListItem[];
  try {
    battles = await listBattles();
  } catch (err) {
    status.textContent = `Could not load battles: ${(err as Error).message}`;
    return;
  }
  for (const b of battles) list.append(battleCard(b, nameInput, created, status));
}

function battleCard(b: BattleListItem, nameInput: HTMLInputElement, created: HTMLElement, status: HTMLElement): HTMLElement {
  const btn = el('button', { type: 'button', class: 'primary', text: 'Create room', 'data-battle': b.id });
  btn.addEventListener('click', () => {
    btn.disabled = true;
    setName(nameInput.value);
    createRoom(b.id)
      .then((r) => {
        setInstructorKey(r.roomId, r.instructorKey);
        showCreated(created, b, r.roomId, r.instructorKey);
      })
      .catch((err: Error) => {
        status.textContent = `Could not create a room: ${err.message}`;
      })
      .finally(() => {
        btn.disabled = false;
      });
  });
  return el(
    'li',
    { class: 'battle', 'data-battle-id': b.id },
    el('h3', { text: b.title }),
    el('p', { class: 'meta', text: `${b.year} · ${b.location} · ${formatMs(b.durationMs)}` }),
    el('p', { class: 'summary', text: b.summary }),
    btn,
  );
}

function showCreated(box: HTMLElement, b: BattleListItem, roomId: string, instructorKey: string): void {
  clear(box);
  box.hidden = false;
  const origin = window.location.origin;
  const viewerLink = `${origin}/room/${roomId}`;
  const playerLink = `${origin}/room/${roomId}?role=player`;
  box.append(
    el('h2', { text: `Room created: ${b.title}` }),
    el('p', { text: 'You are the instructor of this room (the key is kept in this browser).' }),
    shareRow('Viewers', viewerLink, 'viewer-link'),
    shareRow('Players', playerLink, 'player-link'),
    el('p', {
      class: 'hint',
      text: 'To instruct from another browser, open this private link there (it carries the instructor key; do not share it):',
    }),
    shareRow('Instructor', `${viewerLink}#key=${encodeURIComponent(instructorKey)}`, 'instructor-link'),
    el('a', { class: 'button primary', href: `/room/${roomId}`, 'data-testid': 'enter-room', text: 'Enter the room' }),
  );
}

function shareRow(label: string, link: string, testId: string): HTMLElement {
  const input = el('input', { type: 'text', readonly: true, 'data-testid': testId });
  input.value = link;
  const copy = el('button', { type: 'button', text: 'Copy' });
  copy.addEventListener('click', () => {
    input.select();
    void navigator.clipboard?.writeText(link).then(
      () => (copy.textContent = 'Copied'),
      () => undefined,
    );
  });
  return el('div', { class: 'share' }, el('span', { class: 'share-label', text: label }), input, copy);
}
