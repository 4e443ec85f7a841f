import { defineResource } from '../resource.js';

/** Auptimizer's `aws`: accepted in a config, refused at the run's start with what to use instead. */
export const awsResource = defineResource({
  name: 'aws',
  args: {},
  jobs: 'remote',
  refusal:
    'aup does not start cloud machines; start them yourself and list them as SSH hosts with "node", or run aup on the cloud machine with "cpu" or "gpu" (docs/guides/resources.md)',
});
