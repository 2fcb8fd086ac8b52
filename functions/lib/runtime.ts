import { createDocumentClient } from '../../shared/db/client';
import { DynamoAccountStore } from '../../shared/db/account-store';
import { type TableName, tables } from '../../shared/db/tables';
import { DynamoTokenStore, DynamoUserStore } from '../../shared/db/user-store';
import { systemClock } from '../../shared/clock';
import type { AccountDeps } from '../../shared/accounts/service';
import type { UserDeps } from '../../shared/users/service';

/**
 * Module scope, built once per cold start. The SDK reads its endpoint from AWS_ENDPOINT_URL(_DYNAMODB), so the same
 * code talks to AWS, the local stack or any emulator. Each store is made on first use, so a function only needs the
 * table names it was given.
 */
export const dynamo = createDocumentClient();

const tableName = (table: TableName): string => {
  const name = process.env[tables[table].envVar];
  if (!name) throw new Error(`${tables[table].envVar} is not set: this function was not bound to the ${table} table`);
  return name;
};

const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= make());
};

const userStore = once(() => new DynamoUserStore(dynamo, tableName('users')));
const tokenStore = once(() => new DynamoTokenStore(dynamo, tableName('tokens')));
const accountStore = once(() => new DynamoAccountStore(dynamo, tableName('accounts')));

export const userDeps: UserDeps = {
  get users() {
    return userStore();
  },
  get tokens() {
    return tokenStore();
  },
  clock: systemClock,
};

export const accountDeps: AccountDeps = {
  get accounts() {
    return accountStore();
  },
  clock: systemClock,
};
