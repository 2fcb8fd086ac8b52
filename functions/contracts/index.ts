/** Every route of the HTTP API, each declared once by its contract, in the order the document lists them. */
import type { RouteContract } from '../lib/contract';
import {
  adminListAccounts,
  closeAccount,
  createAccount,
  freezeAccount,
  getAccount,
  getBalanceAt,
  listAccounts,
  listOperations,
  unfreezeAccount,
  updateAccount,
} from './accounts';
import { createWebhook, deleteWebhook, listDeliveries, listEvents, listWebhooks } from './events';
import { getHealth, getOpenApiDocument } from './meta';
import { createDeposit, createPayment, getFees, getPayment, listPayments } from './payments';
import { getSummaryReport, listRateHistory, listRates, setRate } from './rates';
import {
  confirmEmail,
  createToken,
  createUser,
  getMe,
  listTokens,
  resendConfirmation,
  revokeAllTokens,
  revokeToken,
} from './users';

export const contracts: readonly RouteContract[] = [
  getHealth,
  getOpenApiDocument,
  createUser,
  confirmEmail,
  resendConfirmation,
  createToken,
  listTokens,
  revokeToken,
  revokeAllTokens,
  getMe,
  createAccount,
  listAccounts,
  getAccount,
  updateAccount,
  closeAccount,
  adminListAccounts,
  freezeAccount,
  unfreezeAccount,
  listOperations,
  getBalanceAt,
  getFees,
  createPayment,
  listPayments,
  getPayment,
  createDeposit,
  listRates,
  setRate,
  listRateHistory,
  getSummaryReport,
  listEvents,
  createWebhook,
  listWebhooks,
  deleteWebhook,
  listDeliveries,
];
