import { Metrics } from '@aws-lambda-powertools/metrics';
import { environment, telemetry } from '../manifest';

/**
 * Custom metrics in CloudWatch's embedded metric format: a log line, no API call on the hot path. The service
 * dimension comes from POWERTOOLS_SERVICE_NAME and the stage from `environment.stage`, as the monitoring construct
 * expects.
 */
export const metrics = new Metrics({
  namespace: telemetry.namespace,
  defaultDimensions: { Stage: process.env[environment.stage] ?? 'local' },
});
