import {
  deliveryListQuery,
  deliverySchema,
  eventListQuery,
  eventSchema,
  newWebhookSchema,
  webhookBody,
  webhookIdParams,
  webhookListQuery,
  webhookSchema,
} from '../../shared/schemas/events';
import { route } from '../lib/contract';
import { pageOf } from './pages';

export const listEvents = route({
  method: 'GET',
  path: '/v1/events',
  function: 'events-list',
  access: 'user',
  operationId: 'listEvents',
  summary: 'List events',
  description:
    'Lists the events of the payments the caller may see (an admin: all of them), oldest first; `sort=-createdAt` ' +
    'lists newest first. An event is `{ id, type, createdAt, data: { payment } }`, one per state a payment reached, ' +
    'kept at least 30 days; its id sorts by time. A user sees the events of payments whose source or destination it ' +
    'owns, except that a `payment.failed` event is shown to the source’s owner only. A page reads a bounded part of ' +
    'the log, so a selective filter may answer fewer than `limit` events, even none, with a `nextCursor` to follow.',
  tags: ['Events'],
  query: eventListQuery,
  queryDescriptions: {
    type: 'Only events of this type.',
    paymentId: 'Only the events of this payment.',
    after: 'Only the events after this one (an event id), in either order: how a consumer catches up.',
  },
  success: { status: 200, description: 'A page of events.', schema: pageOf(eventSchema) },
  errors: [],
});

export const createWebhook = route({
  method: 'POST',
  path: '/v1/webhooks',
  function: 'webhooks-create',
  access: 'user',
  operationId: 'createWebhook',
  summary: 'Register a webhook endpoint',
  description:
    'Registers an endpoint that receives the events of the given types: a user’s, those of the payments it may see; ' +
    'an admin’s, all of them. Deliveries follow the Standard Webhooks specification: a POST of the event as JSON ' +
    'with `webhook-id` (the event id, to deduplicate on), `webhook-timestamp` and `webhook-signature` headers, signed ' +
    'with the `secret` answered here and never shown again. A 2xx within 10 s delivers; anything else is retried ' +
    '5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later, then the delivery is `failed`. An endpoint that has failed ' +
    'every delivery for 3 days is `disabled`. `url` must be `https` and must not point at a private, loopback or ' +
    'link-local address (the local stack also accepts `http://127.0.0.1:<port>/…` and `http://localhost:<port>/…`). ' +
    'A user holds at most 20 endpoints.',
  tags: ['Events'],
  body: webhookBody,
  examples: {
    completedAndFailed: {
      url: 'https://example.com/hooks/billing',
      events: ['payment.completed', 'payment.failed'],
      description: 'Order fulfilment',
    },
  },
  success: { status: 201, description: 'The new endpoint, with its signing secret.', schema: newWebhookSchema },
  links: {
    deliveries: {
      operationId: 'listWebhookDeliveries',
      description: 'List the deliveries to the endpoint just registered.',
      parameters: { id: '$response.body#/id' },
    },
    delete: {
      operationId: 'deleteWebhook',
      description: 'Delete the endpoint just registered.',
      parameters: { id: '$response.body#/id' },
    },
  },
  errors: ['limit_reached'],
});

export const listWebhooks = route({
  method: 'GET',
  path: '/v1/webhooks',
  function: 'webhooks-list',
  access: 'user',
  operationId: 'listWebhooks',
  summary: 'List webhook endpoints',
  description: 'Lists the caller’s own endpoints, oldest first, without their secrets.',
  tags: ['Events'],
  query: webhookListQuery,
  success: { status: 200, description: 'A page of endpoints.', schema: pageOf(webhookSchema) },
  errors: [],
});

export const deleteWebhook = route({
  method: 'DELETE',
  path: '/v1/webhooks/{id}',
  function: 'webhooks-delete',
  access: 'user',
  operationId: 'deleteWebhook',
  summary: 'Delete a webhook endpoint',
  description: 'Deletes one of the caller’s endpoints: nothing more is delivered to it, retries included.',
  tags: ['Events'],
  params: webhookIdParams,
  paramDescriptions: { id: 'The id of the endpoint.' },
  success: { status: 204, description: 'The endpoint is deleted.' },
  errors: [],
});

export const listDeliveries = route({
  method: 'GET',
  path: '/v1/webhooks/{id}/deliveries',
  function: 'webhook-deliveries-list',
  access: 'user',
  operationId: 'listWebhookDeliveries',
  summary: 'List the deliveries of a webhook endpoint',
  description:
    'Lists the deliveries to one of the caller’s endpoints in the order of their events, oldest first: one per ' +
    'event, `pending` while attempts remain, then `delivered` or `failed`, with the number of attempts, the last ' +
    'answer or error and, while pending, when the next attempt is due. A selective `status` filter may answer a ' +
    'short page with a `nextCursor` to follow.',
  tags: ['Events'],
  params: webhookIdParams,
  paramDescriptions: { id: 'The id of the endpoint.' },
  query: deliveryListQuery,
  queryDescriptions: { status: 'Only deliveries in this status.' },
  success: { status: 200, description: 'A page of deliveries.', schema: pageOf(deliverySchema) },
  errors: [],
});
