import * as z from 'zod/mini';
import { EVENT_TYPES } from '../events/model';
import { WEBHOOK_URL_PATTERN } from '../webhooks/url';
import { characters, pageQueryShape, sortSchema, withoutControlCharacters } from './common';
import { paymentSchema } from './payments';

export const eventTypeSchema = z.enum(EVENT_TYPES);

/** An event id as the API issues them: `evt_` and a lower-case ULID. */
export const eventIdSchema = z
  .string()
  .check(z.regex(/^evt_[0-9a-z]{26}$/, { message: 'is not an event id (evt_ and 26 characters)' }));

export const eventListQuery = z.strictObject({
  ...pageQueryShape,
  type: z.optional(eventTypeSchema),
  paymentId: z.optional(z.string().check(...characters(1, 128))),
  after: z.optional(eventIdSchema),
  sort: z.optional(sortSchema(['createdAt'] as const)),
});

export const eventSchema = z.object({
  id: z.string(),
  type: eventTypeSchema,
  createdAt: z.string(),
  data: z.object({ payment: paymentSchema }),
});

export const webhookBody = z.strictObject({
  url: z.string().check(
    z.maxLength(2048),
    z.regex(new RegExp(WEBHOOK_URL_PATTERN), {
      message:
        'must be an https URL to an ASCII host name (no xn-- label) or an address (http only to 127.0.0.1 or localhost with a port)',
    }),
  ),
  events: z.array(eventTypeSchema).check(z.minLength(1), z.maxLength(EVENT_TYPES.length)),
  description: z.optional(z.string().check(withoutControlCharacters, ...characters(0, 500))),
});

export const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(eventTypeSchema),
  description: z.string(),
  status: z.enum(['enabled', 'disabled']),
  createdAt: z.string(),
});

export const newWebhookSchema = z.object({
  ...webhookSchema.shape,
  secret: z.string(),
});

export const webhookIdParams = z.object({ id: z.string().check(...characters(1, 128)) });

export const webhookListQuery = z.strictObject({ ...pageQueryShape });

export const deliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);

export const deliveryListQuery = z.strictObject({ ...pageQueryShape, status: z.optional(deliveryStatusSchema) });

export const deliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  status: deliveryStatusSchema,
  attempts: z.int(),
  lastStatusCode: z.optional(z.int()),
  lastError: z.optional(z.string()),
  nextAttemptAt: z.optional(z.string()),
  createdAt: z.string(),
});
