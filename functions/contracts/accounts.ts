import {
  accountIdParams,
  accountListQuery,
  accountSchema,
  adminAccountListQuery,
  freezeBody,
  openAccountBody,
  updateAccountBody,
} from '../../shared/schemas/accounts';
import { balanceQuery, balanceSchema, operationListQuery, operationSchema } from '../../shared/schemas/payments';
import { route } from '../lib/contract';
import { pageOf } from './pages';

const accountFilterDescriptions = {
  currency: 'Only accounts in this currency.',
  status: 'Only accounts in this status.',
  name: 'Only accounts whose name starts with this (case-sensitive).',
  minBalance: 'Only accounts whose balance is at least this, in minor units.',
  maxBalance: 'Only accounts whose balance is at most this, in minor units.',
  from: 'Only accounts created at or after this time.',
  to: 'Only accounts created at or before this time.',
  metadata:
    'Only accounts whose metadata holds this key with exactly this value, sent as `metadata[<key>]=<value>`; one key ' +
    'per request.',
  sort: 'The field to sort by, `-` first for descending order: `createdAt` (the default), `balance`, `name` or `currency`.',
};

export const createAccount = route({
  method: 'POST',
  path: '/v1/accounts',
  function: 'accounts-create',
  access: 'user',
  operationId: 'createAccount',
  summary: 'Open an account',
  description:
    'Opens a wallet for the caller in one currency, with a zero balance. A user may hold several accounts in one ' +
    'currency, and at most 100 that are not closed (then 422 `limit_reached`). A wallet can never go below zero. ' +
    '`metadata`: up to 20 keys of 1 to 40 characters from `A-Z a-z 0-9 _ . -`, each with a string value of at most ' +
    '500 characters, stored as given and found with `GET /v1/accounts?metadata[<key>]=<value>`.',
  tags: ['Accounts'],
  body: openAccountBody,
  examples: {
    wallet: { currency: 'USD', name: 'Main' },
    tagged: { currency: 'EUR', name: 'Travel', metadata: { team: 'ops' } },
  },
  success: { status: 201, description: 'The new account.', schema: accountSchema },
  links: {
    read: {
      operationId: 'getAccount',
      description: 'Read the account just opened.',
      parameters: { id: '$response.body#/id' },
    },
    operations: {
      operationId: 'listOperations',
      description: 'List the operations of the account just opened.',
      parameters: { id: '$response.body#/id' },
    },
    balance: {
      operationId: 'getBalanceAt',
      description: 'Read the balance of the account just opened.',
      parameters: { id: '$response.body#/id' },
    },
    deposit: {
      operationId: 'createDeposit',
      description: 'Credit the account just opened with a bank transfer (operators).',
      body: { accountId: '$response.body#/id', currency: '$response.body#/currency' },
    },
    pay: {
      operationId: 'createPayment',
      description: 'Pay from the account just opened, in its currency.',
      body: { sourceAccountId: '$response.body#/id', currency: '$response.body#/currency' },
    },
    update: {
      operationId: 'updateAccount',
      description: 'Rename the account just opened, or change its metadata.',
      parameters: { id: '$response.body#/id' },
    },
    close: {
      operationId: 'closeAccount',
      description: 'Close the account just opened, while its balance and held are 0.',
      parameters: { id: '$response.body#/id' },
    },
    freeze: {
      operationId: 'freezeAccount',
      description: 'Freeze the account just opened (operators).',
      parameters: { id: '$response.body#/id' },
    },
    unfreeze: {
      operationId: 'unfreezeAccount',
      description: 'Unfreeze the account just opened (operators).',
      parameters: { id: '$response.body#/id' },
    },
  },
  errors: ['unsupported_currency', 'limit_reached'],
});

export const listAccounts = route({
  method: 'GET',
  path: '/v1/accounts',
  function: 'accounts-list',
  access: 'user',
  operationId: 'listAccounts',
  summary: 'List accounts',
  description:
    "Lists the caller's own accounts, oldest first unless `sort` says otherwise (ties broken by id). Every filter " +
    'and order is answered over the caller’s accounts, which are at most 100 open ones and those they closed.',
  tags: ['Accounts'],
  query: accountListQuery,
  queryDescriptions: accountFilterDescriptions,
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
  description:
    "Lists any user's wallets and the technical accounts, oldest first unless `sort` says otherwise. Requires an " +
    'admin token. In creation order (the default, or `sort=createdAt`/`-createdAt`) a page reads at most 1,000 ' +
    'accounts, so a selective filter may answer fewer than `limit`, even none, with a `nextCursor`: follow it until ' +
    'it is null. With `ownerId`, every order is answered over that user’s accounts. Sorting all accounts by ' +
    '`balance`, `name` or `currency` orders what the filters leave, which must be at most 1,000 accounts (else a 400 ' +
    'that says to narrow the filters).',
  tags: ['Admin', 'Accounts'],
  query: adminAccountListQuery,
  queryDescriptions: {
    ...accountFilterDescriptions,
    kind: 'Only `user` wallets or only `technical` accounts.',
    purpose: 'Only accounts with this purpose.',
    ownerId: 'Only the accounts of this user.',
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
    'Lists the operations of an account in the order they were applied to it (oldest first; `-createdAt` for newest ' +
    'first): each `balanceAfter` is the whole account’s balance right after the operation, technical accounts ' +
    'included, so it equals the previous one plus this `amount`, across pages too. A page reads at most 1,000 ' +
    'operations, so a selective filter may answer fewer than `limit`, even none, with a `nextCursor`: follow it ' +
    'until it is null. `sort=amount` orders the operations of the `from`/`to` range, which must be at most 1,000 ' +
    '(else a 400 that says to narrow them).',
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  query: operationListQuery,
  queryDescriptions: {
    type: 'Only operations of this type.',
    paymentId: 'Only the operations of this payment.',
    counterpartyAccountId: 'Only operations with this counterparty account.',
    minAmount: 'Only operations whose signed amount is at least this (a debit is negative), in minor units.',
    maxAmount: 'Only operations whose signed amount is at most this (a debit is negative), in minor units.',
    from: 'Only operations created at or after this time.',
    to: 'Only operations created at or before this time.',
    sort: 'The field to sort by, `-` first for descending order: `createdAt` (the default) or `amount`.',
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

export const updateAccount = route({
  method: 'PATCH',
  path: '/v1/accounts/{id}',
  function: 'accounts-update',
  access: 'user',
  operationId: 'updateAccount',
  summary: 'Change an account',
  description:
    'Changes the name or the metadata of one of the caller’s accounts. `name: null` removes the name; `metadata` is ' +
    'merged key by key, a key set to `null` removed, and the result keeps the limit of 20 keys. Only the owner ' +
    'changes an account: an admin gets a 403. A closed account is a 422 `account_closed`.',
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  body: updateAccountBody,
  examples: {
    rename: { name: 'Savings' },
    tag: { metadata: { team: 'ops', region: null } },
  },
  success: { status: 200, description: 'The account as changed.', schema: accountSchema },
  errors: ['forbidden', 'account_closed'],
});

export const closeAccount = route({
  method: 'POST',
  path: '/v1/accounts/{id}/close',
  function: 'accounts-close',
  access: 'user',
  operationId: 'closeAccount',
  summary: 'Close an account',
  description:
    'Closes a user’s account for good: it neither sends nor receives again, and no longer counts toward the limit ' +
    'of 100. Only an empty account closes (its `balance` and `held` both 0), else 422 `account_not_empty`; closing ' +
    'a closed account answers it as it is. The owner or an admin may close it; technical accounts never close (403).',
  tags: ['Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  success: { status: 200, description: 'The closed account.', schema: accountSchema },
  errors: ['forbidden', 'account_not_empty'],
});

const freezeDescription = (what: string) =>
  `${what} Requires an admin token. Technical accounts are never frozen (403); a closed account is a 422 ` +
  '`account_closed`. Doing it again answers the account as it is.';

export const freezeAccount = route({
  method: 'POST',
  path: '/v1/admin/accounts/{id}/freeze',
  function: 'admin-accounts-freeze',
  access: 'admin',
  operationId: 'freezeAccount',
  summary: 'Freeze an account',
  description: freezeDescription(
    'Freezes a user’s account: it neither sends nor receives until unfrozen. A payment naming it is refused when ' +
      'created (422 `account_frozen`) and ends `FAILED` with that reason if it was accepted before.',
  ),
  tags: ['Admin', 'Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  body: freezeBody,
  examples: { review: { reason: 'Under review' } },
  success: { status: 200, description: 'The account, `frozen`.', schema: accountSchema },
  errors: ['account_closed'],
});

export const unfreezeAccount = route({
  method: 'POST',
  path: '/v1/admin/accounts/{id}/unfreeze',
  function: 'admin-accounts-unfreeze',
  access: 'admin',
  operationId: 'unfreezeAccount',
  summary: 'Unfreeze an account',
  description: freezeDescription('Makes a frozen account `active` again.'),
  tags: ['Admin', 'Accounts'],
  params: accountIdParams,
  paramDescriptions: { id: 'The id of the account.' },
  body: freezeBody,
  examples: { cleared: { reason: 'Review cleared' } },
  success: { status: 200, description: 'The account, `active`.', schema: accountSchema },
  errors: ['account_closed'],
});
