import type { Page } from '../page';
import { positionCursor, readPositionCursor } from '../position-cursor';
import type { Principal } from '../users/model';
import type { EventType, PaymentEvent } from './model';
import type { EventScope, EventStore } from './ports';

export interface EventListQuery {
  type?: EventType | undefined;
  paymentId?: string | undefined;
  after?: string | undefined;
  descending: boolean;
  limit: number;
  cursor?: string | undefined;
}

const scopeOf = (caller: Principal): EventScope => (caller.role === 'admin' ? 'all' : { userId: caller.userId });

/**
 * A page of the events the caller may see (an operator: all of them), oldest first or newest first. A page reads a
 * bounded number of index entries, so a selective filter may answer a short page, even an empty one, with a cursor.
 */
export const listEvents = async (
  deps: { events: Pick<EventStore, 'page'> },
  caller: Principal,
  query: EventListQuery,
): Promise<Page<PaymentEvent>> => {
  const order = query.descending ? '-createdAt' : 'createdAt';
  const position = query.cursor === undefined ? undefined : readPositionCursor(query.cursor, order);
  const { events, resumeAt } = await deps.events.page(scopeOf(caller), {
    descending: query.descending,
    after: query.after,
    position,
    type: query.type,
    paymentId: query.paymentId,
    limit: query.limit,
  });
  return { data: events, nextCursor: resumeAt === null ? null : positionCursor(order, resumeAt) };
};

// Events replayed per read; a resume goes on page after page until it has caught up.
const REPLAY_PAGE = 100;

/** Every event a user may see after `after`, oldest first, a page at a time, as far back as events are kept. */
export async function* eventsSince(deps: { events: Pick<EventStore, 'page'> }, userId: string, after: string) {
  let position: string | undefined;
  for (;;) {
    const { events, resumeAt } = await deps.events.page(
      { userId },
      { descending: false, after, position, limit: REPLAY_PAGE },
    );
    if (events.length > 0) yield events;
    if (resumeAt === null) return;
    position = resumeAt;
  }
}
