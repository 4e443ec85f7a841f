export { SlotPool, type Resource, type ResourceSlot, type ResourceDefinition, type JobExecutor } from './resource.js';
export { createResource, resourceDefinition, RESOURCE_DEFINITIONS, RESOURCE_KINDS } from './registry.js';
export { cpuSlots } from './cpu/cpu-resource.js';
export { detectGpus, gpuSlots, NVIDIA_SMI_ARGS, NVIDIA_SMI_TIMEOUT_MS } from './gpu/gpu-resource.js';
export {
  passiveSlots,
  reportJobResult,
  waitForReport,
  PASSIVE_POLL_MS,
  type PassiveReport,
  type PassiveOutcome,
} from './passive/passive-resource.js';
