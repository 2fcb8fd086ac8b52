import { randomBytes } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';

/** A new signing secret in Standard Webhooks' format: `whsec_` and the base64 of 32 random bytes (the HMAC key). */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The headers of one attempt, signed with the `standardwebhooks` library itself: `webhook-id` (the event id, which
 * receivers deduplicate on), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`).
 */
export const signedHeaders = (secret: string, eventId: string, at: Date, body: string): Record<string, string> => ({
  'webhook-id': eventId,
  'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  'webhook-signature': new StandardWebhook(secret).sign(eventId, at, body),
});
