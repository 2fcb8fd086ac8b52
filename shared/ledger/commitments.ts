import type { Movement } from './legs';
import type { Commitment } from './ports';

/** DynamoDB's limit on the items of one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/** The chains a movement writes: those of its legs and tally entries, and those whose held amount changes. */
export const chainsMoved = (movement: Movement): string[] => [
  ...new Set([
    ...[...movement.legs, ...movement.tallies].map((leg) => leg.chain),
    ...movement.held.map((change) => change.chain),
  ]),
];

/**
 * The items of the transaction that commits these together: each payment's update (and its refund's original, its
 * claim), one head per chain however many of them it serves, and one operation per leg or tally entry.
 */
export const transactionItems = (commitments: readonly Commitment[]): number => {
  const chains = new Set(commitments.flatMap(({ movement }) => chainsMoved(movement)));
  return commitments.reduce(
    (sum, { transition, movement }) =>
      sum +
      1 +
      (transition.refunds ? 1 : 0) +
      (transition.claim ? 1 : 0) +
      movement.legs.length +
      movement.tallies.length,
    chains.size,
  );
};
