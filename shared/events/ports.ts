import type { EventType, PaymentEvent } from './model';

/** Whose events: those of a user's payments it may see, or all of them. */
export type EventScope = { userId: string } | 'all';

export interface EventRead {
  descending: boolean;
  /** Only events after this one in time, whichever the direction of the read (the list's `after` filter). */
  after?: string | undefined;
  /** Resume strictly past this event in the direction of the read (a page cursor). */
  position?: string | undefined;
  type?: EventType | undefined;
  paymentId?: string | undefined;
  limit: number;
}

export interface EventPage {
  events: PaymentEvent[];
  /** Where the next page resumes, when the read stopped before the end (a page full, or its read budget spent). */
  resumeAt: string | null;
}

export interface EventStore {
  /** Writes an event once: `false` when it is stored already, which a redelivered stream record finds. */
  put(event: PaymentEvent): Promise<boolean>;
  /**
   * Writes events whose pushes were made, marked as pushed, each once: one stored already is left as it is. The
   * writer that pushed a state itself records so that the stream's notifier, finding it, pushes it no more.
   */
  putPushed(events: readonly PaymentEvent[]): Promise<void>;
  /** Which of these events are stored, by id, and whether each was stored as pushed. */
  pushedOf(ids: readonly string[]): Promise<Map<string, boolean>>;
  find(id: string): Promise<PaymentEvent | undefined>;
  /** One page of the scope's events in id (time) order, reading a bounded number of index entries. */
  page(scope: EventScope, read: EventRead): Promise<EventPage>;
}

/** Where every event goes besides the log: the stack's EventBridge bus on AWS; nowhere locally. */
export interface EventBus {
  publish(event: PaymentEvent): Promise<void>;
}
