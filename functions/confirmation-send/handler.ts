import { resendConfirmation } from '../../shared/users/confirmation';
import { resendConfirmation as contract } from '../contracts/users';
import { httpHandler } from '../lib/http';
import { mailingDeps } from '../lib/runtime';

export const handler = httpHandler(contract, async ({ caller }) => {
  await resendConfirmation(mailingDeps, caller.userId);
});
