import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { sweep } from '../../shared/payments/sweep';
import { config } from '../lib/config';
import { logger } from '../lib/logger';
import { metrics } from '../lib/metrics';
import { paymentDeps } from '../lib/runtime';
import { telemetry } from '../manifest';

/** Runs on a schedule: nothing stays INITIATED past the horizon, whatever happened to its message. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => {
    const result = await sweep(paymentDeps, config.sweep);
    metrics.addMetric(telemetry.oldestInitiatedPaymentAge.name, MetricUnit.Seconds, result.oldestAgeSeconds);
    if (result.redriven + result.expired + result.voided > 0) logger.info('Swept payments', { ...result });
  });
