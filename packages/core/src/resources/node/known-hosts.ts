import { createHmac } from 'node:crypto';

/** What a known_hosts file says about a host's key. */
export type HostKeyVerdict =
  /** A line for this host lists this key. */
  | { kind: 'match'; line: number }
  /** Lines for this host exist, none lists this key: possibly a different machine answering. */
  | { kind: 'mismatch'; lines: number[] }
  /** The key is marked `@revoked`. */
  | { kind: 'revoked'; line: number }
  /** No line names this host. */
  | { kind: 'unknown' };

interface Entry {
  line: number;
  marker?: string;
  patterns: string[];
  key: string;
}

/**
 * An OpenSSH known_hosts file (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed (`|1|`)
 * host names, `[host]:port` for ports other than 22, `*`/`?` wildcards, `!` negation, and the
 * `@revoked` marker. `@cert-authority` lines are skipped: aup does not check host certificates.
 */
export class KnownHosts {
  readonly #entries: Entry[] = [];

  constructor(text: string) {
    text.split(/\r?\n/).forEach((raw, i) => {
      const words = raw.trim().split(/\s+/);
      if (words[0] === undefined || words[0] === '' || words[0].startsWith('#')) return;
      const marker = words[0].startsWith('@') ? words.shift() : undefined;
      const [hosts, , key] = words;
      if (hosts === undefined || key === undefined || marker === '@cert-authority') return;
      this.#entries.push({ line: i + 1, ...(marker !== undefined ? { marker } : {}), patterns: hosts.split(','), key });
    });
  }

  /** The verdict on `key` (the raw host key blob, as the server sent it) for host:port. */
  check(host: string, port: number, key: Buffer): HostKeyVerdict {
    const name = port === 22 ? host : `[${host}]:${port}`;
    const blob = key.toString('base64');
    const lines: number[] = [];
    for (const e of this.#entries) {
      if (!matchesHost(e.patterns, name)) continue;
      if (e.marker === '@revoked') {
        if (e.key === blob) return { kind: 'revoked', line: e.line };
        continue;
      }
      if (e.key === blob) return { kind: 'match', line: e.line };
      lines.push(e.line);
    }
    return lines.length > 0 ? { kind: 'mismatch', lines } : { kind: 'unknown' };
  }
}

function matchesHost(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith('!');
    const pattern = negated ? p.slice(1) : p;
    if (!matchesPattern(pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function matchesPattern(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  // Host names are case-insensitive; * is any run of characters, ? any one.
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}
