import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { sweep } from '../../shared/payments/service';
import { config } from '../lib/config';
import { logger } from '../lib/logger';
import { paymentDeps } from '../lib/runtime';

/** Runs on a schedule: nothing stays INITIATED past the horizon, whatever happened to its message. */
export const handler = middy<ScheduledEvent>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => {
    const result = await sweep(paymentDeps, config.sweep);
    if (result.redriven + result.expired > 0) logger.info('Swept payments left INITIATED', result);
  });
