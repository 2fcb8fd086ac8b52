import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type PaymentEvent } from '../events/model';
import type { EventBus } from '../events/ports';
import { stringify } from '../json';
import { eventView } from '../views';

/** The `source` of every event the gateway puts on its bus, for rules to match on. */
export const EVENT_SOURCE = 'billing-gateway';

/**
 * Puts each event on the stack's EventBridge bus: `detail-type` the event type, `detail` the event as the API shows it.
 * A refused entry is an error, so that the stream delivers the record again; `onFailure` counts it first (the alarm on
 * failed puts reads that count).
 */
export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly onFailure: (failed: number) => void = () => undefined,
  ) {}

  async publish(event: PaymentEvent): Promise<void> {
    let failed: number;
    let reason: string;
    try {
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: event.type,
              Detail: stringify(eventView(event)),
              Time: new Date(event.createdAt),
              Resources: [],
            },
          ],
        }),
      );
      failed = out.FailedEntryCount ?? 0;
      reason = out.Entries?.find((entry) => entry.ErrorCode)?.ErrorCode ?? '';
    } catch (error) {
      this.onFailure(1);
      throw error;
    }
    if (failed > 0) {
      this.onFailure(failed);
      throw new Error(`EventBridge refused event ${event.id}: ${reason}`);
    }
  }
}
