// Measuring helpers of the board benchmark: timed HTTP requests over one keep-alive connection,
// order statistics, the board's RSS from /proc, an SSE listener, and a CPU profile summary.
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { join, relative } from 'node:path';

/** Wall clock in ms with sub-ms resolution, comparable between processes of one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/**
 * GET `url`, timed from the request to the last byte of the body. Answers { ms, status, bytes,
 * body } (body omitted with keepBody false, for large exports).
 */
export function timedGet(url, { keepBody = true } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (c) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () => {
        const ms = performance.now() - t0;
        resolve({ ms, status: res.statusCode, bytes, body: keepBody ? Buffer.concat(chunks).toString('utf8') : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Median, 95th percentile (nearest rank), min and max of a list of numbers. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (q) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
  const median = s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median, p95: rank(0.95), min: s[0], max: s[s.length - 1] };
}

/** Samples VmRSS of a process every `everyMs`; `window()` starts a sub-range whose peak is read later. */
export function rssSampler(pid, everyMs = 25) {
  let peak = 0;
  const windows = new Set();
  const read = () => {
    const kb = procStatus(pid, 'VmRSS');
    if (kb === undefined) return;
    peak = Math.max(peak, kb);
    for (const w of windows) w.peak = Math.max(w.peak, kb);
  };
  const timer = setInterval(read, everyMs);
  timer.unref();
  return {
    window() {
      const w = { peak: 0 };
      windows.add(w);
      read();
      return {
        endMB() {
          read();
          windows.delete(w);
          return w.peak / 1024;
        },
      };
    },
    /** Highest VmRSS sampled, and the kernel's own high-water mark VmHWM, in MB. */
    finish() {
      read();
      clearInterval(timer);
      return { sampledPeakMB: peak / 1024, hwmMB: (procStatus(pid, 'VmHWM') ?? 0) / 1024 };
    },
    hwmMB: () => (procStatus(pid, 'VmHWM') ?? 0) / 1024,
    rssMB: () => (procStatus(pid, 'VmRSS') ?? 0) / 1024,
  };
}

function procStatus(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connects to an SSE endpoint and calls `onEvent({ id, event, data, at })` for each event, `at`
 * being the wall-clock time its last line arrived. Resolves once the stream's `: connected`
 * comment has arrived; `close()` ends it.
 */
export function listenSse(url, onEvent) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      let connected = false;
      res.on('data', (text) => {
        const at = wallNow();
        buf += text;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!connected && block.includes(': connected')) {
            connected = true;
            resolve({ close: () => req.destroy() });
          }
          const ev = { at };
          for (const line of block.split('\n')) {
            const m = /^(id|event|data): ?(.*)$/.exec(line);
            if (m) ev[m[1]] = m[2];
          }
          if (ev.data !== undefined) onEvent({ ...ev, data: JSON.parse(ev.data) });
        }
      });
    });
    req.on('error', (e) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
  });
}

/** The functions with the most self time in the .cpuprofile files of `dir`, paths relative to `root`. */
export function profileSummary(dir, root, top = 15) {
  const self = new Map();
  let total = 0;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const prof = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const dt = new Map();
    // Each sample's time is the gap to the next one; charge it to the sampled node.
    for (let i = 0; i < prof.samples.length; i++)
      dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i + 1] ?? 0) / 1000);
    for (const node of prof.nodes) {
      const ms = dt.get(node.id) ?? 0;
      if (ms === 0) continue;
      const f = node.callFrame;
      const where = f.url ? `${relative(root, f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}` : '';
      const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + ms);
      total += ms;
    }
  }
  return {
    totalMs: total,
    top: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms })),
  };
}
