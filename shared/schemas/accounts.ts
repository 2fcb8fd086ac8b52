import * as z from 'zod/mini';
import { ACCOUNT_SORT_FIELDS, ACCOUNT_STATUSES, PURPOSES } from '../accounts/model';
import {
  characters,
  currencySchema,
  isoTimestampSchema,
  labelSchema,
  metadataFilterSchema,
  metadataKeySchema,
  metadataSchema,
  metadataValueSchema,
  pageQueryShape,
  sortSchema,
} from './common';

export const openAccountBody = z.strictObject({
  currency: currencySchema,
  name: z.optional(labelSchema),
  metadata: z.optional(metadataSchema),
});

/** A change of an account: `name` (null removes it), `metadata` merged key by key, a null value removing its key. */
export const updateAccountBody = z.strictObject({
  name: z.optional(z.nullable(labelSchema)),
  metadata: z.optional(
    z.record(metadataKeySchema, z.nullable(metadataValueSchema)).check(z.meta({ maxProperties: 40 })),
  ),
});

/** Why an operator freezes or unfreezes an account, for the record. */
export const freezeBody = z.strictObject({ reason: z.optional(labelSchema) });

/** A signed whole number of minor units, as a query parameter: a technical account's balance may be negative. */
const balanceBound = z.pipe(
  z.string().check(z.regex(/^-?[0-9]{1,19}$/, { message: 'must be a whole number of minor units' })),
  z.transform((value) => BigInt(value)),
);

const accountStatusSchema = z.enum(ACCOUNT_STATUSES);

const accountListShape = {
  ...pageQueryShape,
  currency: z.optional(currencySchema),
  status: z.optional(accountStatusSchema),
  name: z.optional(z.string().check(...characters(1, 100))),
  minBalance: z.optional(balanceBound),
  maxBalance: z.optional(balanceBound),
  from: z.optional(isoTimestampSchema),
  to: z.optional(isoTimestampSchema),
  metadata: z.optional(metadataFilterSchema),
  sort: z.optional(sortSchema(ACCOUNT_SORT_FIELDS)),
};

export const accountListQuery = z.strictObject(accountListShape);

export const adminAccountListQuery = z.strictObject({
  ...accountListShape,
  kind: z.optional(z.enum(['user', 'technical'])),
  purpose: z.optional(z.enum(PURPOSES)),
  ownerId: z.optional(z.string().check(...characters(1, 128))),
});

export const accountIdParams = z.object({ id: z.string().check(...characters(1, 128)) });

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
  metadata: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
