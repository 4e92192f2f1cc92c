import type { StudyProgressMsg, StudyResultMsg } from '../../../../shared/protocol/events.js';
import type { RoomContext } from '../context.js';
import { StudyPanel } from './studyPanel.js';
import './study.css';

// Wires the statistics box to the room's socket: `study:run`/`study:cancel` through the room client's
// generic `call`, `study:progress`/`study:result` broadcasts to everyone in the room, `study:sync` on
// mount and after every re-join.

export interface StudyHandle {
  root: HTMLElement;
  refresh(): void;
}

export function mountStudy(ctx: RoomContext): StudyHandle {
  const { room: client } = ctx;
  const session = client;
  const running = new Map<string, StudyProgressMsg>();
  const results = new Map<string, StudyResultMsg>();

  const render = (): void =>
    panel.render({
      battle: ctx.battle(),
      role: session.you()?.role ?? null,
      branchId: session.room()?.branchId ?? null,
      running: [...running.values()].sort((a, b) => a.queued - b.queued),
      results: [...results.values()].sort((a, b) => a.finishedAt - b.finishedAt),
    });

  const panel = new StudyPanel({
    run: async (runs) => {
      const r = await client.call('study:run', { runs });
      if (!r.ok) throw new Error(r.error.message);
      panel.flash(r.cached ? `Served from the cache: ${r.runs} seeds.` : `Running ${r.runs} seeds on the server…`);
    },
    cancel: async (studyId) => {
      const r = await client.call('study:cancel', { studyId });
      if (!r.ok) throw new Error(r.error.message);
    },
  });

  client.socket.on('study:progress', (m) => {
    running.set(m.studyId, m);
    render();
  });
  client.socket.on('study:result', (m) => {
    running.delete(m.studyId);
    if (m.status === 'done') {
      results.set(m.studyId, m);
      if (!m.cached) panel.flash('');
    } else panel.flash(m.status === 'cancelled' ? 'Study cancelled.' : `Study failed: ${m.message ?? ''}`, m.status === 'failed');
    render();
  });

  const sync = async (): Promise<void> => {
    const r = await client.call('study:sync', {});
    if (!r.ok) return;
    running.clear();
    for (const p of r.running) running.set(p.studyId, p);
    for (const x of r.results) results.set(x.studyId, x);
    render();
  };
  let needSync = true;
  session.subscribe((change) => {
    if (change === 'connection' && session.connection() !== 'connected') needSync = true;
    if (change === 'room' && needSync && session.you()) {
      needSync = false;
      void sync();
    }
  });
  if (session.you() && session.connection() === 'connected') {
    needSync = false;
    void sync();
  }

  return { root: panel.root, refresh: render };
}
