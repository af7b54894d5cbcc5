/**
 * Baseline server for bench/list.ts: answers every request with the same precomputed bytes Glint sent.
 * It is the cheapest possible node:http answer, so Glint/bare shows what Glint's own work costs.
 * Runs as a forked child (like Glint, in its own process); usage: bare-server.ts <body file>.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bodyFile = process.argv[2];
if (!bodyFile || !process.send) {
  console.error('usage: fork bare-server.ts <body file> (needs an IPC channel to report its port)');
  process.exit(2);
}
const body = readFileSync(bodyFile);

const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});

// Never outlive the benchmark, even when it dies without stopping us.
process.on('disconnect', () => process.exit(0));
