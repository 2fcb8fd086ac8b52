import * as z from 'zod/mini';
import { characters, emailSchema, labelSchema, pageQueryShape, passwordSchema } from './common';

export const credentialsBody = z.strictObject({
  email: emailSchema,
  password: passwordSchema,
  name: z.optional(labelSchema),
});

export const tokenListQuery = z.strictObject({ ...pageQueryShape });

export const tokenIdParams = z.object({ id: z.string().check(...characters(1, 128)) });

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.nullable(z.string()),
  role: z.enum(['user', 'admin']),
  emailVerified: z.boolean(),
  createdAt: z.string(),
});

/** Any string of a sane length: one that cannot be a confirmation token is refused as an unknown one. */
export const confirmationBody = z.strictObject({ token: z.string().check(...characters(1, 256)) });

export const newTokenSchema = z.object({
  id: z.string(),
  token: z.string(),
  name: z.nullable(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
});

export const tokenSchema = z.object({
  id: z.string(),
  name: z.nullable(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  lastUsedAt: z.optional(z.string()),
});
