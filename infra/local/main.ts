import { runLocalStack } from './run';

/** `npm start`: the whole API on this machine, configured from the environment. */
await runLocalStack();
