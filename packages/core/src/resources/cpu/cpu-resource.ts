import { defineResource, numberedSlots, type ResourceSlot } from '../resource.js';

/** `cpu`: `n` local process slots `cpu:0..n-1`, with no extra env. */
export function cpuSlots(n: number): ResourceSlot[] {
  return numberedSlots('cpu', n);
}

/** Jobs as local child processes, n_parallel at once (a `set` request may change it live). */
export const cpuResource = defineResource({
  name: 'cpu',
  args: {},
  jobs: 'local',
  create: (config) => ({ kind: 'cpu', slots: cpuSlots(config.n_parallel), slotsFor: cpuSlots }),
});
