import { jest } from '@jest/globals';

// The tiers that wait on real processes (DynamoDB Local, the local stack) take a hang guard, not jest's 5 s, which a
// busy machine overruns: a sign-up or sign-in on the real stack hashes at scrypt's production cost (~0.6 s here), and
// 25 concurrent sign-ins on DynamoDB Local took over 5 s with the checks and another test file beside them.
jest.setTimeout(30_000);
