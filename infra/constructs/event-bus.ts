import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { Handlers } from './handlers';

export interface PaymentEventsProps {
  /** The functions to wire: every one whose spec `putsEvents` may put events on the bus, and on no other. */
  handlers: Pick<Handlers, 'entries'>;
}

/**
 * The stack's own EventBridge bus, on which every payment event is put (`source` `billing-gateway`, `detail-type` the
 * event type, `detail` the event), for rules of the account to route to their targets.
 * Defaults: a custom bus without a physical name and without a resource policy (only this account's principals with
 * `events:PutEvents` on it can put events; rules are the account's to add); every function that `putsEvents` may put
 * events on this bus only, and knows its name.
 */
export class PaymentEvents extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, { handlers }: PaymentEventsProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      description: 'Billing gateway payment events, one per state a payment reaches',
    });
    for (const [, fn] of handlers.entries()) {
      if (fn.spec.putsEvents) fn.bindEventBus(this.bus);
    }
  }
}
