import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Reached } from '../events/publish';
import { unmarshalling } from './client';
import { fromPaymentItem } from './payment-store';

const imageOf = (image: Record<string, unknown> | undefined) =>
  image && unmarshall(image as Record<string, AttributeValue>, unmarshalling);

/**
 * The state a payment reached, as a record of the payments table's stream tells it: news only when its status
 * changed (an INITIATED payment is none: `publishTransition` skips it). Its push was claimed by the transition's writer
 * when the new image names that status as claimed (`pushClaim`, which the ledger writes with the transition).
 */
export const reachedOf = (record: DynamoDBRecord): Reached | undefined => {
  const [before, after] = [imageOf(record.dynamodb?.OldImage), imageOf(record.dynamodb?.NewImage)];
  const payment = after && fromPaymentItem(after);
  if (!payment || payment.status === (before && fromPaymentItem(before).status)) return undefined;
  return { payment, pushClaimed: after.pushClaim === payment.status };
};
