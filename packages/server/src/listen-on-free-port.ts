import type { AddressInfo } from 'node:net';

import { AupError } from '@aup/core';
import type { FastifyInstance } from 'fastify';

/**
 * How many ports from the requested one are tried when it is taken. Twenty covers a developer
 * running a few boards side by side; beyond that a taken port is more likely a wrong --port.
 */
export const PORT_SEARCH_SPAN = 20;
const MAX_PORT = 65535;

export interface ListenResult {
  /** The URL to open, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  port: number;
}

/**
 * Listens on `port`, or on the next free port when it is taken (up to PORT_SEARCH_SPAN tries);
 * port 0 lets the system choose. Throws AUP_ERR_SERVER_LISTEN when no port can be had.
 */
export async function listenOnFreePort(app: FastifyInstance, host: string, port: number): Promise<ListenResult> {
  const last = port === 0 ? 0 : Math.min(port + PORT_SEARCH_SPAN - 1, MAX_PORT);
  for (let candidate = port; candidate <= last; candidate++) {
    try {
      await app.listen({ host, port: candidate });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' && candidate < last) continue;
      throw listenError(e, code, host, port, candidate);
    }
    const bound = (app.server.address() as AddressInfo).port;
    return { url: boardUrl(host, bound), port: bound };
  }
  // Unreachable: the loop returns or throws on its last candidate.
  throw new AupError('AUP_ERR_SERVER_LISTEN', `Cannot listen on ${host}:${port}`);
}

/** The browser URL of a server bound to `host:port` (IPv6 addresses in brackets). */
export function boardUrl(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/`;
}

function listenError(e: unknown, code: string | undefined, host: string, first: number, at: number): AupError {
  const cause = e;
  switch (code) {
    case 'EADDRINUSE':
      return new AupError(
        'AUP_ERR_SERVER_LISTEN',
        `Ports ${first} to ${at} on ${host} are all taken: expected a free port; pass another with --port (or --port 0 to let the system choose)`,
        { details: { host, port: first, tried: at - first + 1 }, cause },
      );
    case 'EACCES':
      return new AupError(
        'AUP_ERR_SERVER_LISTEN',
        `Port ${at} on ${host} needs privileges this process lacks: expected a port above 1023 (pass --port)`,
        {
          details: { host, port: at },
          cause,
        },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AupError(
        'AUP_ERR_SERVER_LISTEN',
        `Cannot listen on host '${host}': no network interface of this machine has that address (${code}); expected e.g. 127.0.0.1, ::1 or 0.0.0.0`,
        { details: { host, port: at }, cause },
      );
    default:
      return new AupError('AUP_ERR_SERVER_LISTEN', `Cannot listen on ${host}:${at}: ${(e as Error)?.message ?? String(e)}`, {
        details: { host, port: at, ...(code ? { reason: code } : {}) },
        cause,
      });
  }
}
