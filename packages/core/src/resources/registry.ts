import type { TSchema } from '@sinclair/typebox';
import { AupError } from '../errors.js';
import { awsResource } from './aws/aws-resource.js';
import { cpuResource } from './cpu/cpu-resource.js';
import { gpuResource } from './gpu/gpu-resource.js';
import { nodeResource } from './node/node-resource.js';
import { passiveResource } from './passive/passive-resource.js';
import type { Resource, ResourceConfig, ResourceDefinition, ResourceHost } from './resource.js';

/**
 * Every resource, in the order the config schema lists them. A new resource is its folder and one
 * line here (docs/decisions/0023-runner-as-parts.md).
 */
export const RESOURCE_DEFINITIONS = [
  cpuResource, // local processes, n_parallel of them
  gpuResource, // local processes, one per GPU
  nodeResource, // SSH hosts
  passiveResource, // a person runs each job and reports it
  awsResource, // refused, with what to use instead
] as const;

/** A `resource` value a config may name. */
export type ResourceKind = (typeof RESOURCE_DEFINITIONS)[number]['name'];

/** The names, as the config schema lists them. */
export const RESOURCE_KINDS: readonly ResourceKind[] = RESOURCE_DEFINITIONS.map((d) => d.name);

const byName: ReadonlyMap<string, ResourceDefinition<ResourceKind>> = new Map(RESOURCE_DEFINITIONS.map((d) => [d.name, d]));

/** The definition of a `resource` value; undefined for a name no resource has. */
export function resourceDefinition(name: string): ResourceDefinition<ResourceKind> | undefined {
  return byName.get(name);
}

/**
 * Every resource's own `resource_args` keys, described as "<resource>: <description>", in registry
 * order (the config schema's `resource_args` lists them after the common keys).
 */
export function resourceArgsSchemas(): Record<string, TSchema> {
  const out: Record<string, TSchema> = {};
  for (const d of RESOURCE_DEFINITIONS) {
    for (const [key, schema] of Object.entries(d.args)) {
      // A copy, so the definition's schema keeps its own description.
      out[key] = { ...schema, description: `${d.name}: ${String(schema.description)}` } as TSchema;
    }
  }
  return out;
}

/**
 * The resource an experiment's jobs run on, from `resource` and `resource_args`. `gpu` without
 * `resource_args.gpus` asks `nvidia-smi`; `node` runs jobs on SSH hosts; `aws` is refused with what
 * to use instead. `host` is what a passive resource needs to wait for its reports (the runner's store).
 */
export async function createResource(config: ResourceConfig, host?: ResourceHost): Promise<Resource> {
  const definition = resourceDefinition(config.resource);
  const supported = RESOURCE_DEFINITIONS.filter((d) => d.refusal === undefined).map((d) => d.name);
  if (definition?.create === undefined) {
    const message =
      definition?.refusal !== undefined
        ? `resource: "${definition.name}" is not supported: ${definition.refusal}`
        : `resource: expected ${orList(supported.map((n) => `"${n}"`))}, found ${JSON.stringify(config.resource)}`;
    const details =
      definition !== undefined
        ? { path: 'resource', expected: orList(supported), found: definition.name }
        : { path: 'resource', found: config.resource };
    throw new AupError('AUP_ERR_CONFIG_INVALID', message, { details });
  }
  return definition.create(config, host);
}

/** `a, b, c or d`. */
function orList(words: readonly string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}
