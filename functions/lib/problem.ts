import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, type FieldError } from '../../shared/errors';
import { stringify } from './json';

/** RFC 9457 problem details, the body of every error this API answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_TYPE_BASE = 'https://billing-gateway.dev/problems/';

export const problemResponse = (
  problem: Problem,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyStructuredResultV2 => ({
  statusCode: problem.status,
  headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  body: stringify(problem),
});

export const toProblem = (error: DomainError): Problem => ({
  type: `${PROBLEM_TYPE_BASE}${error.code}`,
  title: error.title,
  status: error.status,
  detail: error.message,
  code: error.code,
  ...(error.errors ? { errors: error.errors } : {}),
});

/** What a client sees of a fault: nothing internal, ever. The cause goes to the log with the request id. */
export const internalProblem: Problem = {
  type: `${PROBLEM_TYPE_BASE}internal_error`,
  title: 'Internal error',
  status: 500,
  detail: 'The request could not be completed. It is safe to retry; money-moving requests with their Idempotency-Key.',
  code: 'internal_error',
};

export const errorResponse = (error: unknown): APIGatewayProxyStructuredResultV2 | undefined =>
  error instanceof DomainError ? problemResponse(toProblem(error), error.headers) : undefined;
