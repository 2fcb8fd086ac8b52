import { summarize } from '../../shared/reports/service';
import { summaryQuery } from '../../shared/schemas/reports';
import { httpHandler, ok } from '../lib/http';
import { reportDeps } from '../lib/runtime';

export const handler = httpHandler({ access: 'admin', query: summaryQuery }, async ({ query }) =>
  ok(await summarize(reportDeps, query)),
);
