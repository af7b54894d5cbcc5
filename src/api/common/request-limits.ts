/**
 * What one client may hold of a listener: its connections, the size of its headers, and the time its
 * request body may take. A client that sends headers and then trickles or stalls its body is answered
 * 408 and its connection closed, so it holds neither a connection nor (for an upload) an image in `saving`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from './errors.js';

export interface RequestLimits {
  /**
   * The longest a request body may go without a byte arriving; a body the API reads whole (JSON, not image
   * data) must also have arrived whole within it.
   */
  bodyTimeoutMs: number;
  /** Connections a listener holds at once; more are closed as they arrive. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: RequestLimits = { bodyTimeoutMs: 30_000, maxConnections: 1024 };

/**
 * Node's own default, set on every server so that no NODE_OPTIONS can raise it: everything that reads a
 * header stays bounded by it, and a larger request gets 431.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/** webob's explanation of a 408, in every API's error format. */
export const REQUEST_TIMEOUT = 'The server has waited too long for the request to be sent by the client.';

/**
 * How long a connection answered before its request body had all arrived goes on reading (and dropping) that
 * body before it closes: closed at once with bytes unread, the kernel would reset it, and the client could
 * lose the answer it was sent (a refused upload's 413 or 503) before reading it.
 */
const LINGER_MS = 2_000;

/** Closes `socket` once its answer is out, as `destroySoon` would, but only after a while of reading on. */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** How often a body's progress is looked at, as a share of the timeout: an idle body is found within 1¼ timeouts. */
const CHECKS_PER_TIMEOUT = 4;

/**
 * Watches a request body that has not all arrived yet. `streamed`: the API consumes it as it comes (image
 * data), so only its idleness counts. The socket's byte count shows progress without taking the body out
 * of Node's native parser; data that arrived but is not read yet is the server's delay, not the client's.
 */
export function watchBody(
  request: IncomingMessage,
  response: ServerResponse,
  limits: RequestLimits,
  streamed: boolean,
  render: (status: number, message: string) => ErrorBody,
): void {
  const socket = request.socket;
  const started = Date.now();
  let seen = socket.bytesRead;
  let lastProgress = started;
  const timer = setInterval(() => {
    if (request.complete || request.destroyed) return clearInterval(timer);
    const now = Date.now();
    if (socket.bytesRead !== seen || request.readableLength > 0 || socket.isPaused()) {
      seen = socket.bytesRead;
      lastProgress = now;
    }
    const idle = now - lastProgress >= limits.bodyTimeoutMs;
    const late = !streamed && now - started >= limits.bodyTimeoutMs;
    if (!idle && !late) return;
    clearInterval(timer);
    timeOut(request, response, render(408, REQUEST_TIMEOUT));
  }, Math.max(1, Math.floor(limits.bodyTimeoutMs / CHECKS_PER_TIMEOUT)));
  timer.unref();
  request.once('close', () => clearInterval(timer));
  // Once answered, what is left of the body is only read to be dropped (see `lingerOnClose`): nothing to time.
  response.once('finish', () => clearInterval(timer));
}

/**
 * Answers 408 unless an answer has begun, then ends the request: its consumer (the framework's body reader,
 * or an upload, which queues its image again) sees its body cut short, and the connection closes.
 */
function timeOut(request: IncomingMessage, response: ServerResponse, { contentType, body }: ErrorBody): void {
  const cut = () => {
    request.destroy(new Error('the request body timed out'));
  };
  if (response.headersSent) return cut();
  response.writeHead(408, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), connection: 'close' });
  response.end(body, cut);
}
