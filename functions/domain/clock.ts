/** Every "now" in the domain comes from a Clock, so the local runtime can run a virtual one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
