import * as z from 'zod/mini';
import { ACCOUNT_STATUSES, PURPOSES } from '../accounts/model';
import { currencySchema, labelSchema, pageQueryShape, sortSchema } from './common';

const ACCOUNT_SORT_FIELDS = ['createdAt', 'balance', 'name'] as const;

export const openAccountBody = z.strictObject({
  currency: currencySchema,
  name: z.optional(labelSchema),
});

const accountStatusSchema = z.enum(ACCOUNT_STATUSES);

export const accountListQuery = z.strictObject({
  ...pageQueryShape,
  currency: z.optional(currencySchema),
  status: z.optional(accountStatusSchema),
  sort: z.optional(sortSchema(ACCOUNT_SORT_FIELDS)),
});

export const adminAccountListQuery = z.strictObject({
  ...pageQueryShape,
  kind: z.optional(z.enum(['user', 'technical'])),
  purpose: z.optional(z.enum(PURPOSES)),
  currency: z.optional(currencySchema),
  ownerId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  status: z.optional(accountStatusSchema),
});

export const accountIdParams = z.object({ id: z.string().check(z.minLength(1), z.maxLength(128)) });

export const accountSchema = z.object({
  id: z.string(),
  kind: z.enum(['user', 'technical']),
  purpose: z.enum(PURPOSES),
  ownerId: z.nullable(z.string()),
  currency: z.string(),
  balance: z.int(),
  held: z.int(),
  status: accountStatusSchema,
  name: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
