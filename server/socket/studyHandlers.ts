import { StudyCancelSchema, StudyRunSchema, StudySyncSchema } from '../../shared/protocol/schemas.js';
import { canFork, require } from '../rooms/access.js';
import { bind, type HandlerTable } from './bind.js';
import type { HandlerDeps } from './deps.js';

// What-if statistics: who may fork may run a study of the room's current branch (it costs CPU, like a fork).

export function registerStudyHandlers(table: HandlerTable, d: HandlerDeps): void {
  bind(table, d, 'study:run', StudyRunSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    require(canFork(member.role), 'viewers cannot run studies');
    return d.studies.run(roomId, member, p.runs);
  });

  bind(table, d, 'study:cancel', StudyCancelSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    d.studies.cancel(roomId, member, p.studyId);
    return { studyId: p.studyId };
  });

  bind(table, d, 'study:sync', StudySyncSchema, async (_p, ctx) => {
    const { roomId } = ctx.member();
    return { results: await d.studies.results(roomId), running: d.studies.running(roomId) };
  });
}
