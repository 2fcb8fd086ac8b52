import { jest } from '@jest/globals';

// A sign-up or sign-in on the real stack hashes at scrypt's production cost (~0.3 s, more on a busy machine).
jest.setTimeout(30_000);
