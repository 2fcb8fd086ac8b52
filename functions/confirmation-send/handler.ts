import { resendConfirmation } from '../../shared/users/confirmation';
import { resendConfirmation as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { confirmationDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller }) => {
  await resendConfirmation(confirmationDeps, caller.userId);
});
