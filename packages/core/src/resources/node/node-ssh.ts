import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AupError } from '../../errors.js';
import { formatProblems } from '../../config/config-problem.js';
import type { NormalizedConfig } from '../../types.js';
import { KnownHosts } from './known-hosts.js';
import { loadNodeHosts } from './node-hosts.js';
import type { Resource, ResourceSlot } from '../resource.js';
import { DEFAULT_CONNECT_ATTEMPTS, DEFAULT_RECONN_WAIT_S, HostPreparations, SshExecutor, type SshSettings } from './ssh-executor.js';

/** The parts of a config the `node` resource reads. */
export type NodeResourceConfig = Pick<NormalizedConfig, 'resource_args'> &
  Partial<Pick<NormalizedConfig, 'workingdir' | 'config_path' | 'script' | 'script_path'>>;

/** The folder relative paths in resource_args (key files, nodes_file, known_hosts) start from: the config's. */
export function nodeBaseDir(config: Pick<NodeResourceConfig, 'config_path' | 'workingdir'>): string {
  return config.config_path !== undefined ? dirname(config.config_path) : (config.workingdir ?? process.cwd());
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** The SSH settings of an experiment from its resource_args (Auptimizer's names where it had them). */
export function sshSettings(config: NodeResourceConfig): SshSettings {
  const args = config.resource_args ?? {};
  const base = nodeBaseDir(config);
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
  const knownFile =
    str(args.known_hosts) !== undefined ? resolve(base, expandHome(args.known_hosts as string)) : join(homedir(), '.ssh', 'known_hosts');
  let knownHosts: SshSettings['knownHosts'];
  try {
    knownHosts = { file: knownFile, hosts: new KnownHosts(readFileSync(knownFile, 'utf8')) };
  } catch {
    // No ~/.ssh/known_hosts: every host is unknown (a named known_hosts file was checked to exist).
    knownHosts = undefined;
  }
  const settings: SshSettings = {
    script: config.script ?? '',
    remoteWorkingDir: str(args.remote_workingdir) ?? config.workingdir ?? '.',
    overwrite: args.overwrite === true,
    connectAttempts: typeof args.max_retries === 'number' ? Math.max(1, Math.floor(args.max_retries)) : DEFAULT_CONNECT_ATTEMPTS,
    maxBackoffMs: (typeof args.reconn_wait_time === 'number' ? Math.max(0, args.reconn_wait_time) : DEFAULT_RECONN_WAIT_S) * 1000,
    strictHostKeys: args.strict_host_key_checking === true,
  };
  if (config.script_path !== undefined) settings.scriptPath = config.script_path;
  if (str(args.prescript) !== undefined) settings.prescript = args.prescript as string;
  if (str(args.postscript) !== undefined) settings.postscript = args.postscript as string;
  if (knownHosts) settings.knownHosts = knownHosts;
  return settings;
}

/**
 * `node`: one slot per host entry (`resource_args.nodes` and/or the lines of `nodes_file`; a host
 * listed twice is two slots), each running its jobs over its own SSH connection. Throws
 * AUP_ERR_CONFIG_INVALID naming every bad entry and missing key file.
 */
export function nodeSshResource(config: NodeResourceConfig): Resource<'node'> {
  const args = config.resource_args ?? {};
  const { hosts, problems } = loadNodeHosts(args, nodeBaseDir(config));
  if (problems.length > 0) {
    throw new AupError('AUP_ERR_CONFIG_INVALID', formatProblems(problems, config.config_path), {
      details: { path: 'resource_args.nodes', problems },
    });
  }
  const settings = sshSettings(config);
  const preparations = new HostPreparations(settings);
  const env: Record<string, string> = {};
  const given = args.env;
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    for (const [k, v] of Object.entries(given)) env[k] = String(v);
  }
  const executors = hosts.map((h) => new SshExecutor(h, settings, preparations));
  const slots: ResourceSlot[] = executors.map((e) => ({
    label: e.host.label,
    host: e.host.where,
    env: { ...env },
    execute: (launch) => e.run(launch),
  }));
  return {
    kind: 'node',
    slots,
    close: async () => {
      await Promise.all(executors.map((e) => e.close()));
    },
  };
}
