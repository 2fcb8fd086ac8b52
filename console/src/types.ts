/** The shapes the console reads, as `API.md` and the served `/openapi.json` describe them. */

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
}

export interface Account {
  id: string;
  kind: 'user' | 'technical';
  purpose: string;
  ownerId: string | null;
  currency: string;
  balance: number;
  held?: number;
  status: string;
  name?: string;
  createdAt: string;
  updatedAt?: string;
}

export interface Payment {
  id: string;
  type: string;
  status: string;
  sourceAccountId: string | null;
  destinationAccountId: string | null;
  amount: number;
  currency: string;
  fee: number;
  destinationAmount?: number;
  destinationCurrency?: string;
  failureReason?: string;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  completedAt?: string;
}

export interface Operation {
  id: string;
  paymentId: string;
  type: string;
  amount: number;
  currency: string;
  balanceAfter: number;
  counterpartyAccountId: string | null;
  createdAt: string;
}

export interface Rate {
  base: string;
  quote: string;
  rate: string;
  updatedAt: string;
}

export interface Tally {
  count: number;
  sum: number;
}

export interface CurrencySummary {
  currency: string;
  commission: number;
  deposits: Tally;
  withdrawals: Tally;
  /** Reports count refunds once the API has them. */
  refunds?: Tally;
  exchanges?: { count: number; sourceSum: number; destinationSum: number };
}

export interface Summary {
  from: string;
  to: string;
  data: CurrencySummary[];
}

/** What the WebSocket pushes: `{ type, event, payment }` for a state reached, `subscribed` for a subscription. */
export interface PushMessage {
  type: string;
  event?: string;
  payment?: Payment;
  code?: string;
}
