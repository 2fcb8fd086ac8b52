import { listEvents } from '../../shared/events/service';
import { DEFAULT_PAGE_SIZE } from '../../shared/page';
import { listEvents as contract } from '../contracts/events';
import { httpHandler } from '../lib/http';
import { eventDeps } from '../lib/runtime';
import { eventView, pageView } from '../../shared/views';

export const handler = httpHandler(contract, async ({ caller, query }) => {
  const { limit, sort, ...filters } = query;
  const page = await listEvents(eventDeps, caller, {
    ...filters,
    limit: limit ?? DEFAULT_PAGE_SIZE,
    descending: sort === '-createdAt',
  });
  return pageView(page, eventView);
});
