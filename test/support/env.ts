import { environment, queues } from '../../functions/manifest';
import { tables } from '../../shared/adapters/tables';

// Every test process: a region and dummy credentials (so no SDK client looks for real ones), quiet structured logs,
// and the table names and queue URL that handlers read when they first touch them.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
for (const [table, { envVar }] of Object.entries(tables)) process.env[envVar] ??= table;
for (const [queue, { envVar }] of Object.entries(queues)) {
  process.env[envVar] ??= `https://sqs.us-east-1.amazonaws.com/123456789012/${queue}`;
}
process.env[environment.websocketEndpoint] ??= 'https://ws.example.com/$default';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.MAIL_FROM ??= 'no-reply@example.com';
