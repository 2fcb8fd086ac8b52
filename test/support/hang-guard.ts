import { jest } from '@jest/globals';

// The tiers that wait on real processes (DynamoDB Local, the local stack) take a hang guard, not jest's 5 s, which a
// busy machine overruns: 25 concurrent sign-ins on DynamoDB Local took over 5 s with the checks and another test file
// beside them.
jest.setTimeout(30_000);
