/** The time source, injected so that tests can pin it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
