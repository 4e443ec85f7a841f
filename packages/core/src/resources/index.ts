export { createResource, cpuSlots, passiveSlots, SlotPool, type Resource, type ResourceSlot } from './resource.js';
export { detectGpus, gpuSlots, NVIDIA_SMI_ARGS, NVIDIA_SMI_TIMEOUT_MS } from './gpu-resource.js';
export { reportJobResult, waitForReport, PASSIVE_POLL_MS, type PassiveReport, type PassiveOutcome } from './passive-resource.js';
