/** A write refused by its ConditionExpression: the state it was conditional on no longer holds. */
export const isConditionFailure = (error: unknown): error is Error =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Whether a conditional write was made: false when its condition did not hold, any other failure thrown. */
export const writtenIf = async (write: Promise<unknown>): Promise<boolean> => {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};
