import { Type } from '@sinclair/typebox';
import { loadOptional } from '../../optional-package.js';
import { defineResource } from '../resource.js';
import { loadNodeHosts } from './node-hosts.js';

/**
 * Jobs on other hosts over SSH, one slot per host entry. The SSH side (ssh2, an optional package)
 * is loaded when an experiment on this resource starts, not with the config schema.
 */
export const nodeResource = defineResource({
  name: 'node',
  args: {
    nodes: Type.Array(Type.String({ minLength: 1 }), { description: 'remote hosts, "user@host[:port] [key]"; one job slot per entry.' }),
    nodes_file: Type.String({
      minLength: 1,
      description: 'a file of hosts, one "user@host[:port] [key]" a line (# comments), relative to the config file.',
    }),
    remote_workingdir: Type.String({
      minLength: 1,
      description: 'the working directory on the hosts (default: the same path as workingdir).',
    }),
    max_retries: Type.Integer({ minimum: 1, description: 'connection attempts for one job before its attempt fails (default 3).' }),
    reconn_wait_time: Type.Number({
      minimum: 0,
      description: 'the longest wait in seconds between connection attempts; waits double from 1 s (default 30).',
    }),
    known_hosts: Type.String({
      minLength: 1,
      description: 'the known_hosts file host keys are checked against (default ~/.ssh/known_hosts).',
    }),
    strict_host_key_checking: Type.Boolean({
      description: 'refuse hosts that are not in known_hosts (default false: unlisted hosts are accepted).',
    }),
  },
  jobs: 'remote',
  // Each entry's form and its key file; as at a run's start, hosts may come from Auptimizer's node_mapping.
  checkArgs: (args, baseDir) => loadNodeHosts(args, baseDir).problems,
  create: async (config) => (await loadOptional('ssh2', () => import('./node-ssh.js'))).nodeSshResource(config),
});
