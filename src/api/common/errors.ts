import { StorageFull } from '../../common/storage-full.js';

/**
 * The error catalogue: every failure any API answers is an ApiError, and each API renders it
 * in its own format from the one status table below (Nova faults, Keystone errors, webob pages).
 */

export interface ErrorBody {
  contentType: string;
  body: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** The message is a detail under the status's standard explanation (webob's `detail`), not the explanation. */
    readonly detailed = false,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An error whose message comes under the status's standard explanation, as webob renders `detail`. */
export const detailed = (status: number, detail: string) => new ApiError(status, detail, {}, true);

/**
 * Failures every API answers alike, whoever raised them, as ApiErrors; others as they are. A store with no
 * room left is the service's condition, not the request's fault, and passes once room is made.
 */
export function commonFailure(error: Error): Error {
  if (error instanceof StorageFull) return new ApiError(503, `The service cannot store this now: ${error.message} Nothing was changed; try again later.`);
  return error;
}

/** The status to answer for any error: an ApiError's own, a framework error's (e.g. 413, 415), else 500. */
export function errorStatus(error: Error): number {
  if (error instanceof ApiError) return error.status;
  const status = (error as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/** webob's explanation of a 404, which every API answers for a resource it does not have. */
export const RESOURCE_NOT_FOUND = 'The resource could not be found.';

interface StatusEntry {
  /** The key of Nova's fault body (`nova/api/openstack/wsgi.py`); statuses without one use computeFault. */
  fault?: string;
  title: string;
  /** webob's standard explanation, shown above a detail. */
  explanation?: string;
}

const STATUSES: Record<number, StatusEntry> = {
  400: { fault: 'badRequest', title: 'Bad Request' },
  401: { fault: 'unauthorized', title: 'Unauthorized' },
  403: { fault: 'forbidden', title: 'Forbidden', explanation: 'Access was denied to this resource.' },
  404: { fault: 'itemNotFound', title: 'Not Found', explanation: RESOURCE_NOT_FOUND },
  405: { fault: 'badMethod', title: 'Method Not Allowed' },
  406: { title: 'Not Acceptable' },
  408: { title: 'Request Timeout' },
  409: { fault: 'conflictingRequest', title: 'Conflict', explanation: 'There was a conflict when trying to complete your request.' },
  410: { title: 'Gone' },
  413: { fault: 'overLimit', title: 'Request Entity Too Large' },
  415: { fault: 'badMediaType', title: 'Unsupported Media Type' },
  416: { title: 'Request Range Not Satisfiable', explanation: 'The Range requested is not available.' },
  429: { fault: 'overLimit', title: 'Too Many Requests' },
  431: { title: 'Request Header Fields Too Large' },
  500: { title: 'Internal Server Error' },
  501: { fault: 'notImplemented', title: 'Not Implemented' },
  503: { fault: 'serviceUnavailable', title: 'Service Unavailable' },
};

function entry(status: number): StatusEntry {
  return STATUSES[status] ?? { title: 'Error' };
}

/** Nova: `{"<faultName>": {"code": N, "message": "…"}}`. */
export function novaFault(status: number, message: string): ErrorBody {
  const fault = entry(status).fault ?? 'computeFault';
  return {
    contentType: 'application/json; charset=UTF-8',
    body: JSON.stringify({ [fault]: { code: status, message } }),
  };
}

/** Keystone (and keystonemiddleware's 401): `{"error": {"code", "title", "message"}}`. */
export function keystoneError(status: number, message: string): ErrorBody {
  return {
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: status, title: entry(status).title, message } }),
  };
}

/** webob's plain-text error page, which Glance and Nova's router answer with: an explanation, then any detail. */
export function webobPage(status: number, message: string, detail = ''): ErrorBody {
  return {
    contentType: 'text/plain; charset=UTF-8',
    body: `${status} ${entry(status).title}\n\n${message}\n\n ${detail}  `,
  };
}

/** webob's 405 page, whose template (unlike the others') ends its sentence with a space and has no detail line. */
export function webobMethodNotAllowed(method: string): ErrorBody {
  return { contentType: 'text/plain; charset=UTF-8', body: `405 Method Not Allowed\n\nThe method ${method} is not allowed for this resource. \n\n ` };
}

/**
 * webob's 415, whose own template names the request's Content-Type as sent, or keeps its placeholder when the
 * request had none (the image service's explanation is not shown).
 */
export const unsupportedMediaType = (contentType: string | undefined, headers: Record<string, string> = {}) =>
  new ApiError(415, `The request media type ${contentType ?? '${CONTENT_TYPE}'} is not supported by this server.`, headers);

/** An ApiError as a webob page. */
export function webobError(error: ApiError): ErrorBody {
  // The 415 template ends its sentence with a space and shows no detail.
  if (error.status === 415) return { contentType: 'text/plain; charset=UTF-8', body: `415 Unsupported Media Type\n\n${error.message} \n\n ` };
  const explanation = entry(error.status).explanation;
  return error.detailed && explanation ? webobPage(error.status, explanation, error.message) : webobPage(error.status, error.message);
}

/** webob's routing 404: text by default, HTML for clients that accept it, an empty HTML body for HEAD. */
export function webobNotFound(method: string, accept: string | undefined): ErrorBody {
  if (method === 'HEAD') return { contentType: 'text/html; charset=UTF-8', body: '' };
  if (accept && (accept.includes('text/html') || accept.includes('*/*'))) {
    return {
      contentType: 'text/html; charset=UTF-8',
      body:
        '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  ' +
        `${RESOURCE_NOT_FOUND}<br /><br />\n\n\n\n </body>\n</html>`,
    };
  }
  return webobPage(404, RESOURCE_NOT_FOUND);
}


/** Escapes text as the reference does when it quotes the image service's messages in a Nova fault. */
export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c]!);
}
