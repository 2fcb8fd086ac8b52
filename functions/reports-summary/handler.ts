import { summarize } from '../../shared/reports/service';
import { getSummaryReport } from '../contracts/rates';
import { httpHandler } from '../lib/http';
import { reportDeps } from '../lib/runtime';

export const handler = httpHandler(getSummaryReport, async ({ query }) => summarize(reportDeps, query));
