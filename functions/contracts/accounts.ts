import {
  accountIdParams,
  accountListQuery,
  accountSchema,
  adminAccountListQuery,
  openAccountBody,
} from '../../shared/schemas/accounts';
import { balanceQuery, balanceSchema, operationListQuery, operationSchema } from '../../shared/schemas/payments';
import { route } from '../lib/contract';
import { pageOf } from './pages';

export const createAccount = route({
  method: 'POST',
  path: '/v1/accounts',
  function: 'accounts-create',
  access: 'user',
  operationId: 'createAccount',
  summary: 'Open an account',
  description:
    'Opens a wallet for the caller in one currency, with a zero balance. A user may hold several accounts in one ' +
    'currency. A wallet can never go below zero.',
  tags: ['Accounts'],
  body: openAccountBody,
  success: { status: 201, description: 'The new account.', schema: accountSchema },
  errors: ['unsupported_currency'],
});

export const listAccounts = route({
  method: 'GET',
  path: '/v1/accounts',
  function: 'accounts-list',
  access: 'user',
  operationId: 'listAccounts',
  summary: 'List accounts',
  description: "Lists the caller's own accounts, oldest first unless `sort` says otherwise.",
  tags: ['Accounts'],
  query: accountListQuery,
  queryDescriptions: {
    currency: 'Only accounts in this currency.',
    status: 'Only accounts in this status.',
  },
  success: { status: 200, description: 'A page of accounts.', schema: pageOf(accountSchema) },
  errors: ['unsupported_currency'],
});

export const getAccount = route({
  method: 'GET',
  path: '/v1/accounts/{id}',
  function: 'accounts-get',
  access: 'user',
  operationId: 'getAccount',
  summary: 'Get an account',
  description: "Reads one account. An account that is not the caller's is a 404, unless the caller is an admin.",
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account, e.g. `acc_…` or `tech-fees-USD`.' },
  success: { status: 200, description: 'The account.', schema: accountSchema },
  errors: [],
});

export const adminListAccounts = route({
  method: 'GET',
  path: '/v1/admin/accounts',
  function: 'admin-accounts-list',
  access: 'admin',
  operationId: 'adminListAccounts',
  summary: 'List all accounts',
  description: "Lists any user's wallets and the technical accounts. Requires an admin token.",
  tags: ['Admin', 'Accounts'],
  query: adminAccountListQuery,
  queryDescriptions: {
    kind: 'Only `user` wallets or only `technical` accounts.',
    purpose: 'Only accounts with this purpose.',
    currency: 'Only accounts in this currency.',
    ownerId: 'Only the accounts of this user.',
    status: 'Only accounts in this status.',
  },
  success: { status: 200, description: 'A page of accounts.', schema: pageOf(accountSchema) },
  errors: ['unsupported_currency'],
});

export const listOperations = route({
  method: 'GET',
  path: '/v1/accounts/{id}/operations',
  function: 'operations-list',
  access: 'user',
  operationId: 'listOperations',
  summary: 'List operations',
  description:
    'Lists the operations of an account in the order they were applied: each `balanceAfter` is the previous one ' +
    'plus this `amount`. For the sharded fee account, `balanceAfter` chains within each shard.',
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  query: operationListQuery,
  queryDescriptions: {
    type: 'Only operations of this type.',
    paymentId: 'Only the operations of this payment.',
    from: 'Only operations created at or after this time.',
    to: 'Only operations created at or before this time.',
  },
  success: { status: 200, description: 'A page of operations.', schema: pageOf(operationSchema) },
  errors: [],
});

export const getBalanceAt = route({
  method: 'GET',
  path: '/v1/accounts/{id}/balance',
  function: 'balance-get',
  access: 'user',
  operationId: 'getBalanceAt',
  summary: 'Get a balance at a point in time',
  description: 'Answers the balance right after the last operation at or before `at` (now when omitted).',
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  query: balanceQuery,
  queryDescriptions: { at: 'An ISO 8601 time.' },
  success: { status: 200, description: 'The balance at that time.', schema: balanceSchema },
  errors: [],
});
