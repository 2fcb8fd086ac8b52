import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per function; the service name and level come from the environment (POWERTOOLS_*). */
export const logger = new Logger({ serviceName: 'billing-gateway' });
