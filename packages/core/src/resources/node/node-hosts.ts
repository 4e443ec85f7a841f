import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import { displayFile, formatFound, problem, type ConfigProblem } from '../../config/config-problem.js';
import { requireOptional } from '../../optional-package.js';
import { AUPTIMIZER_ENV_FILE, auptimizerMapping, type AuptimizerMapping } from '../auptimizer-env.js';

/** The port an entry without `:port` connects to. */
export const DEFAULT_SSH_PORT = 22;

/** The form of a `resource_args.nodes` entry, as error messages state it. */
export const NODE_ENTRY_FORM = '"user@host[:port] [key file]", e.g. "ubuntu@10.0.0.5:2222 ~/.ssh/id_ed25519"';

/** One remote host of the `node` resource: one slot (a host listed twice is two slots). */
export interface NodeHost {
  /** The entry as written. */
  entry: string;
  user: string;
  /** Host name or IP address (an IPv6 address without its brackets). */
  host: string;
  port: number;
  /** Absolute path of the private key; undefined = ssh-agent and the default keys in ~/.ssh. */
  keyFile?: string;
  /** `user@host[:port]`: the slot label stored on attempts (the port only when not 22). */
  label: string;
  /** `host[:port]`: the attempt's `host`, what the board shows as where the job ran. */
  where: string;
}

const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;
const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[\w.-]+)?$/;

const require = createRequire(import.meta.url);
/** ssh2's key parser, loaded only when a config names a key file (ssh2 takes ~80 ms to load, and is optional). */
function parseKey(data: Buffer): ReturnType<typeof Ssh2.utils.parseKey> {
  return requireOptional('ssh2', () => require('ssh2') as typeof Ssh2).utils.parseKey(data);
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/**
 * Parses one host entry, `user@host[:port] [key file]` (Auptimizer's form; `[v6addr]:port` for
 * IPv6). A relative key file is taken from `baseDir` (the config's folder). Answers what is wrong
 * in words when the entry does not have that form; whether the key file exists is not checked here.
 */
export function parseNodeEntry(entry: string, baseDir: string): NodeHost | { error: string } {
  const text = entry.trim();
  const space = text.search(/\s/);
  const address = space === -1 ? text : text.slice(0, space);
  const key = space === -1 ? undefined : text.slice(space).trim();
  const at = address.lastIndexOf('@');
  if (at === -1) return { error: 'no "user@" before the host' };
  const user = address.slice(0, at);
  let rest = address.slice(at + 1);
  if (user === '') return { error: 'an empty user name before "@"' };
  if (!USER.test(user)) return { error: `user name ${JSON.stringify(user)} has characters a user name cannot have` };
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return { error: 'an IPv6 address opened with "[" but not closed with "]"' };
    host = rest.slice(1, close);
    rest = rest.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return { error: `${JSON.stringify(rest)} after "]" (expected ":port" or nothing)` };
    portText = rest === '' ? undefined : rest.slice(1);
    if (!IPV6.test(host) || !host.includes(':')) return { error: `${JSON.stringify(host)} is not an IPv6 address` };
  } else {
    const colon = rest.indexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    portText = colon === -1 ? undefined : rest.slice(colon + 1);
    if (host === '') return { error: 'no host after "@"' };
    if (!HOST_NAME.test(host))
      return { error: `${JSON.stringify(host)} is not a host name or IPv4 address (write an IPv6 address as [addr])` };
  }
  let port = DEFAULT_SSH_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { error: `port ${JSON.stringify(portText)} is not a number from 1 to 65535` };
    }
    port = Number(portText);
  }
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const suffix = port === DEFAULT_SSH_PORT ? '' : `:${port}`;
  const out: NodeHost = { entry, user, host, port, label: `${user}@${shownHost}${suffix}`, where: `${shownHost}${suffix}` };
  if (key !== undefined && key !== '') out.keyFile = resolve(baseDir, expandHome(key));
  return out;
}

/** Reads the lines of a hosts file: blank lines and `#` comments are skipped; line numbers kept. */
function hostFileLines(text: string): { line: number; entry: string }[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, entry: raw.replace(/(^|\s)#.*$/, '').trim() }))
    .filter((l) => l.entry !== '');
}

/** Why a private key file cannot be used, or undefined when it can. */
function keyFileProblem(file: string): { expected: string; found: string } | undefined {
  let data: Buffer;
  try {
    if (!statSync(file).isFile()) return { expected: 'a private key file', found: `${displayFile(file)}, which is not a file` };
    data = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      expected: 'an existing private key file',
      found: code === 'ENOENT' ? `${displayFile(file)}, which does not exist` : `${displayFile(file)}, which cannot be read (${code})`,
    };
  }
  const parsed = parseKey(data);
  if (parsed instanceof Error) {
    if (/encrypted|passphrase/i.test(parsed.message)) {
      return {
        expected:
          'a private key without a passphrase (for one with a passphrase, load it into ssh-agent with ssh-add and leave the key file out of the entry)',
        found: `${displayFile(file)}, which is encrypted`,
      };
    }
    return { expected: 'a private key file (OpenSSH, PEM or PPK format)', found: `${displayFile(file)}: ${parsed.message}` };
  }
  const keys = Array.isArray(parsed) ? parsed : [parsed];
  if (!keys.some((k) => k.isPrivateKey())) return { expected: 'a private key file (this is a public key)', found: displayFile(file) };
  return undefined;
}

export interface LoadedNodes {
  hosts: NodeHost[];
  problems: ConfigProblem[];
}

/** Auptimizer's environment file, which held the SSH hosts (`node_mapping`) of its `node` resource. */
export { AUPTIMIZER_ENV_FILE };

/**
 * The `node_mapping` of Auptimizer's `.aup/env.ini` (section `[Auptimizer]`, a JSON object from
 * slot id to host entry), looked for in the config's folder, then in the home folder, as
 * Auptimizer did; undefined when neither has one.
 */
export function auptimizerNodeMapping(baseDir: string): AuptimizerMapping | undefined {
  return auptimizerMapping(baseDir, 'node_mapping', '{"0": "user@host", ...}');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The hosts of a `node` resource from `resource_args.nodes` (a list of entries) and/or
 * `resource_args.nodes_file` (a file of entries, one a line), with every problem named: the JSON
 * path (or the file and line), the expected form and what was found, and a missing key file by name.
 */
export function loadNodeHosts(args: Record<string, unknown>, baseDir: string, opts: { requireHosts?: boolean } = {}): LoadedNodes {
  const found = new HostEntries(baseDir);
  const nodes = args.nodes;
  const nodesFile = args.nodes_file;
  if (nodes !== undefined) found.fromList(nodes);
  if (nodesFile !== undefined) found.fromFile(nodesFile);
  if (nodes === undefined && nodesFile === undefined) found.fromNodeMapping(opts.requireHosts !== false);
  else if (Array.isArray(nodes) && nodes.length === 0 && nodesFile === undefined) {
    found.problems.push(problem(['resource_args', 'nodes'], `at least one host, ${NODE_ENTRY_FORM}`, '[]'));
  }
  found.problems.push(...envNameProblems(args.env), ...knownHostsProblems(args.known_hosts, baseDir));
  return { hosts: found.hosts, problems: found.problems };
}

/** The hosts read so far, and every problem met on the way, in the order they were met. */
class HostEntries {
  readonly hosts: NodeHost[] = [];
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly baseDir: string) {}

  /** One entry; `where` is its JSON path in the config, or a place in another file (`line 3`). */
  take(entry: string, where: (string | number)[] | string, file?: string): void {
    const parsed = parseNodeEntry(entry, this.baseDir);
    const report = (p: ConfigProblem) =>
      this.problems.push(typeof where === 'string' ? { ...p, path: where, ...(file !== undefined ? { file } : {}) } : p);
    if ('error' in parsed) {
      report(problem(typeof where === 'string' ? [] : where, NODE_ENTRY_FORM, `${JSON.stringify(entry.trim())} (${parsed.error})`));
      return;
    }
    if (parsed.keyFile !== undefined) {
      const bad = keyFileProblem(parsed.keyFile);
      if (bad) {
        report(problem(typeof where === 'string' ? [] : where, bad.expected, bad.found, { note: `(the key file of ${parsed.label})` }));
        return;
      }
    }
    this.hosts.push(parsed);
  }

  /** `resource_args.nodes`. */
  fromList(nodes: unknown): void {
    if (!Array.isArray(nodes)) {
      this.problems.push(problem(['resource_args', 'nodes'], `a list of hosts, each ${NODE_ENTRY_FORM}`, formatFound(nodes)));
      return;
    }
    nodes.forEach((entry, i) => {
      if (typeof entry !== 'string' || entry.trim() === '') {
        this.problems.push(problem(['resource_args', 'nodes', i], NODE_ENTRY_FORM, formatFound(entry)));
      } else this.take(entry, ['resource_args', 'nodes', i]);
    });
  }

  /** `resource_args.nodes_file`. */
  fromFile(nodesFile: unknown): void {
    if (typeof nodesFile !== 'string' || nodesFile.trim() === '') {
      this.problems.push(problem(['resource_args', 'nodes_file'], 'the path of a file of hosts, one a line', formatFound(nodesFile)));
      return;
    }
    const file = resolve(this.baseDir, expandHome(nodesFile));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'which does not exist' : `which cannot be read (${code})`;
      this.problems.push(
        problem(['resource_args', 'nodes_file'], `a readable file of hosts, one ${NODE_ENTRY_FORM} a line`, `${displayFile(file)}, ${why}`),
      );
      return;
    }
    const lines = hostFileLines(text);
    if (lines.length === 0)
      this.problems.push(
        problem(['resource_args', 'nodes_file'], 'a file with at least one host line', `${displayFile(file)}, which has none`),
      );
    for (const l of lines) this.take(l.entry, `line ${l.line}`, file);
  }

  /** An Auptimizer user's hosts, where Auptimizer kept them, when the config names none. */
  fromNodeMapping(requireHosts: boolean): void {
    const env = auptimizerNodeMapping(this.baseDir);
    if (env?.error !== undefined) {
      this.problems.push({
        path: 'node_mapping',
        message: env.error,
        expected: 'a JSON object {"0": "user@host", ...}',
        found: env.error,
        file: env.file,
      });
    } else if (env?.entries !== undefined) {
      env.entries.forEach((entry, i) => this.take(entry, `node_mapping entry ${i + 1}`, env.file));
      if (env.entries.length === 0 && requireHosts)
        this.problems.push({
          path: 'node_mapping',
          message: 'expected at least one host, found {}',
          expected: 'at least one host',
          found: '{}',
          file: env.file,
        });
    } else if (requireHosts) {
      this.problems.push(
        problem(
          ['resource_args', 'nodes'],
          `the remote hosts of resource "node": a list of ${NODE_ENTRY_FORM}, or resource_args.nodes_file naming a file of them (or Auptimizer's node_mapping in ${AUPTIMIZER_ENV_FILE})`,
          'nothing',
        ),
      );
    }
  }
}

/** `resource_args.env`: names a shell can export. */
function envNameProblems(env: unknown): ConfigProblem[] {
  if (env === null || typeof env !== 'object' || Array.isArray(env)) return [];
  return Object.keys(env)
    .filter((name) => !ENV_NAME.test(name))
    .map((name) =>
      problem(
        ['resource_args', 'env', name],
        'an environment variable name (letters, digits and _, not starting with a digit)',
        JSON.stringify(name),
      ),
    );
}

/** `resource_args.known_hosts`: a file that can be read. */
function knownHostsProblems(knownHosts: unknown, baseDir: string): ConfigProblem[] {
  if (typeof knownHosts !== 'string' || knownHosts.trim() === '') return [];
  const file = resolve(baseDir, expandHome(knownHosts));
  try {
    readFileSync(file);
    return [];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [
      problem(
        ['resource_args', 'known_hosts'],
        'a readable known_hosts file',
        `${displayFile(file)}, which ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      ),
    ];
  }
}
