import { isIP } from 'node:net';
import { hostname as osHostname, networkInterfaces } from 'node:os';

import { AupError } from '@aup/core';
import type { FastifyInstance } from 'fastify';

import { isLoopbackHost } from './loopback.js';

/**
 * A `Host` header: a name or IPv4 address, or an IPv6 literal in brackets, then an optional port.
 * Anything else (user info, a path, spaces) is not a host a browser would send, and is refused.
 */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/i;

/** The parts of a `Host` header the checks compare: its name (canonical form) and port. */
export interface HostOf {
  /** Lower case, no trailing dot; an IPv6 address without brackets in its compressed form. */
  name: string;
  /** The port as sent ('' when none). */
  port: string;
}

/**
 * Splits a `Host` header into a canonical name and its port; undefined when it is not a host.
 * `LOCALHOST.:8080` gives `localhost` and `8080`, `[0:0::1]` gives `::1`.
 */
export function hostOf(header: string): HostOf | undefined {
  const m = HOST_HEADER.exec(header.trim());
  if (m === null) return undefined;
  const name = canonicalHostName(m[1]!);
  return name === undefined ? undefined : { name, port: m[2] ?? '' };
}

/**
 * The form host names are compared in: lower case, without the one trailing dot DNS allows
 * (`localhost.` names the same host as `localhost`), IPv6 without brackets and compressed, IPv4 as
 * the URL parser writes it. Undefined for something that is no host name.
 */
export function canonicalHostName(name: string): string | undefined {
  let h = name.trim().toLowerCase();
  const bracketed = /^\[(.*)\]$/.exec(h);
  if (bracketed) h = bracketed[1]!;
  if (isIP(h) === 6) {
    try {
      return new URL(`http://[${h}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h === '' || !/^[a-z0-9_.-]+$/.test(h)) return undefined;
  return h;
}

/** Whether `name` (canonical) is this machine's loopback: `localhost`, 127.0.0.0/8 or `::1`. */
function isLoopbackName(name: string): boolean {
  return isLoopbackHost(name);
}

/** Whether `--host` binds every interface (`0.0.0.0`, `::`), so no single name is the board's. */
export function isWildcardHost(host: string): boolean {
  const h = canonicalHostName(host);
  return h === '0.0.0.0' || h === '::';
}

/** What `boardHostNames` reads from the machine; tests pass their own. */
export interface MachineNames {
  /** Addresses of this machine's interfaces (os.networkInterfaces()). */
  addresses: readonly string[];
  /** os.hostname(). */
  hostname: string;
}

/** This machine's interface addresses (IPv6 without zone) and host name. */
export function machineNames(): MachineNames {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) addresses.push(a.address.replace(/%.*$/, ''));
  return { addresses, hostname: osHostname() };
}

/**
 * The host names a board bound to `bindHost` answers to, besides the loopback names it always
 * answers to: the bind address or name itself; for a wildcard bind (0.0.0.0, ::) this machine's
 * interface addresses and host name, the names a LAN user types; then each `--allowed-host`.
 * A name an attacker controls (DNS rebinding) is none of these.
 */
export function boardHostNames(bindHost: string, allowedHosts: readonly string[], machine: MachineNames = machineNames()): string[] {
  const names = new Set<string>();
  const add = (n: string): void => {
    const c = canonicalHostName(n);
    if (c !== undefined) names.add(c);
  };
  if (isWildcardHost(bindHost)) {
    for (const a of machine.addresses) add(a);
    add(machine.hostname);
  } else {
    add(bindHost);
  }
  for (const h of allowedHosts) add(h);
  return [...names].filter((n) => !isLoopbackName(n));
}

/**
 * Parses an `--allowed-host` value: a host name or IP address (IPv6 in brackets or not), without
 * scheme, port or path. Throws AUP_ERR_CLI_USAGE naming the value otherwise.
 */
export function parseAllowedHost(text: string): string {
  const name = canonicalHostName(text);
  if (name === undefined || isWildcardHost(name) || name.includes('*')) {
    throw new AupError(
      'AUP_ERR_CLI_USAGE',
      `--allowed-host ${JSON.stringify(text)}: expected a host name or address as browsers reach the board, such as board.example.org or 192.168.1.20 (no scheme, port, path or wildcard)`,
      { details: { option: '--allowed-host', found: text } },
    );
  }
  return name;
}

/**
 * Answers 421 to every request whose `Host` is not a name this board serves: loopback names, and
 * `names` (canonical, from `boardHostNames`). Added first, so it runs before any other hook and
 * before every route (the page, the API, the assets, the event stream, and the 404 answer): a page
 * of another site that reaches the board through DNS rebinding sends its own name and gets nothing.
 * A request without `Host` (HTTP/1.0) cannot come from a browser and passes.
 */
export function addHostCheck(app: FastifyInstance, names: readonly string[]): void {
  const allowed = new Set(names);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.host;
    if (header === undefined) return;
    const host = hostOf(header);
    if (host !== undefined && (isLoopbackName(host.name) || allowed.has(host.name))) return;
    const served = ['localhost', '127.0.0.1', '[::1]', ...names.map((n) => (isIP(n) === 6 ? `[${n}]` : n))];
    throw new AupError(
      'AUP_ERR_HOST_NOT_ALLOWED',
      `This board does not answer to the host name ${JSON.stringify(header)} (${request.method} ${pathOf(request.url)}): it serves ${served.join(', ')}. ` +
        `To reach it under another name (a reverse proxy, a LAN name), start aup-board with --allowed-host ${host?.name ?? 'NAME'}`,
      { details: { host: header, allowed: served } },
    );
  });
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
