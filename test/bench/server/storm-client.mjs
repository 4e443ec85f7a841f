// The clients of the event-stream storm benchmark, in a process of their own so that the process
// that times `/health` is not slowed by them: N streams `GET <path>` on 127.0.0.1:<port> that read
// the first chunk of their answer (the status line) and then nothing. When stdin closes, prints one
// JSON line: how many streams got each status, and how many of the admitted ones the board cut off.
// Usage: node test/bench/server/storm-client.mjs PORT PATH COUNT
import { connect } from 'node:net';

const [port, path, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const streams = [];
for (let i = 0; i < count; i++) {
  const st = { socket: connect({ host: '127.0.0.1', port }), status: undefined, closed: false };
  st.socket.on('error', () => undefined);
  st.socket.once('connect', () => st.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`));
  st.socket.once('data', (chunk) => {
    st.socket.pause();
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(chunk.toString('latin1', 0, 16));
    st.status = m ? Number(m[1]) : -1;
  });
  st.socket.once('close', () => (st.closed = true));
  streams.push(st);
}
process.stdin.resume();
process.stdin.once('end', () => {
  const statuses = { 200: 0, 429: 0, 503: 0, other: 0, none: 0 };
  for (const s of streams) {
    if (s.status === undefined) statuses.none++;
    else if (s.status in statuses) statuses[s.status]++;
    else statuses.other++;
  }
  const cutOff = streams.filter((s) => s.status === 200 && s.closed).length;
  process.stdout.write(`${JSON.stringify({ statuses, cutOff })}\n`);
  for (const s of streams) s.socket.destroy();
  process.exit(0);
});
