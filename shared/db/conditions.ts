/** A write refused by its ConditionExpression: the state it was conditional on no longer holds. */
export const isConditionFailure = (error: unknown): error is Error =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
