import { isIP } from 'node:net';

/**
 * True when binding `host` exposes the server to this machine only: `localhost`, 127.0.0.0/8,
 * `::1` and IPv4-mapped loopback. Anything else (0.0.0.0, `::`, a LAN address, a name) is not.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  if (isIP(h) === 6) return /^(?:0{0,4}:){2,7}0{0,3}1$/.test(h) || h === '::1';
  return false;
}
