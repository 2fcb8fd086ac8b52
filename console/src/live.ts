import { session } from './api';
import type { Payment, PushMessage } from './types';

export type LiveState = 'connecting' | 'live' | 'offline';

type PaymentListener = (payment: Payment, pushed: { type: string; event?: string }) => void;

let websocketUrl: Promise<string> | undefined;

/** The WebSocket API's URL, from the `config.json` served beside the console (it has an endpoint of its own). */
const configuredUrl = (): Promise<string> =>
  (websocketUrl ??= fetch('./config.json')
    .then((response) => response.json() as Promise<{ websocketUrl: string }>)
    .then((config) => config.websocketUrl));

/**
 * One WebSocket for the signed-in operator: every payment state pushed to it reaches the listeners; after a drop it
 * reconnects and resumes from the last event it saw, so nothing pushed meanwhile is missed.
 */
export class LiveFeed {
  private socket: WebSocket | undefined;
  private lastEvent: string | undefined;
  private retry = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly payments = new Set<PaymentListener>();
  private readonly states = new Set<(state: LiveState) => void>();
  state: LiveState = 'connecting';

  start(): void {
    this.stopped = false;
    this.lastEvent = undefined;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
  }

  onPayment(listener: PaymentListener): () => void {
    this.payments.add(listener);
    return () => this.payments.delete(listener);
  }

  onState(listener: (state: LiveState) => void): () => void {
    this.states.add(listener);
    return () => this.states.delete(listener);
  }

  /** Asks for a payment's current state; the answer arrives like a push (only for payments this user may see). */
  subscribe(paymentId: string): void {
    if (this.socket?.readyState === WebSocket.OPEN)
      this.socket.send(JSON.stringify({ action: 'subscribe', paymentId }));
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.states) listener(state);
  }

  private async connect(): Promise<void> {
    const token = session.token();
    if (this.stopped || token === null) return;
    this.setState('connecting');
    let url: string;
    try {
      url = await configuredUrl();
    } catch {
      this.reconnectLater();
      return;
    }
    const socket = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 0;
      this.setState('live');
      if (this.lastEvent !== undefined) socket.send(JSON.stringify({ action: 'resume', after: this.lastEvent }));
    };
    socket.onmessage = (message) => {
      this.receive(message.data);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.reconnectLater();
    };
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    const message = JSON.parse(data) as PushMessage;
    if (message.payment === undefined) return;
    if (message.event !== undefined) this.lastEvent = message.event;
    for (const listener of this.payments) listener(message.payment, message);
  }

  private reconnectLater(): void {
    this.setState('offline');
    if (this.stopped) return;
    const delay = Math.min(30_000, 1_000 * 2 ** this.retry++);
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}

const FINAL = new Set(['COMPLETED', 'FAILED', 'VOIDED']);

export const isSettled = (payment: Payment): boolean => FINAL.has(payment.status);

/** The later of two views of one payment: a state is never replaced by an earlier one that arrives late. */
export const newer = (current: Payment | undefined, next: Payment): Payment => {
  if (current === undefined) return next;
  if (isSettled(current) && !isSettled(next)) return current;
  return next.updatedAt >= current.updatedAt || (isSettled(next) && !isSettled(current)) ? next : current;
};

/** The signed-in operator's one feed, started at sign-in and stopped at sign-out. */
export const feed = new LiveFeed();
