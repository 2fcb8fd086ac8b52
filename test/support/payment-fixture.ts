import type { Payment } from '../../shared/payments/model';

/**
 * A completed $1.00 transfer from Ada's wallet to Bob's, as the payments table holds it; `overrides` may set any field,
 * a status the model does not know yet included, or unset one with `undefined`.
 */
export const samplePayment = (overrides: Record<string, unknown> = {}): Payment => ({
  id: 'pay_01jd0000000000000000000001',
  type: 'transfer',
  status: 'COMPLETED',
  sourceAccountId: 'acc_a',
  destinationAccountId: 'acc_b',
  amount: 100n,
  currency: 'USD',
  fee: 1n,
  capture: 'automatic',
  refundedAmount: 0n,
  refundsReserved: 0n,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  completedAt: '2026-01-01T00:00:01.000Z',
  sourceOwnerId: 'usr_ada',
  destinationOwnerId: 'usr_bob',
  ...overrides,
});
