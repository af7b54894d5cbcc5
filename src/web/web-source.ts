/**
 * Image data fetched from a URL for a web-download import, as the reference's `open_external_uri` fetches it:
 * each hop admitted by the import filter and connected to the address the filter chose (so DNS cannot change
 * its answer between the check and the connection), redirects followed only to URIs the filter admits.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { WebData, WebSource } from '../catalog/ports.js';
import { hostHeader, redirectTarget } from './external-uri.js';
import { admit, type Admitted, type FilterOptions } from './import-filter.js';

/** urllib's `HTTPRedirectHandler.max_redirections`. */
const MAX_REDIRECTS = 10;
const REDIRECTS = [301, 302, 303, 307, 308];

export interface WebSourceOptions extends FilterOptions {
  /** Longest a server may go without sending a byte (connecting included) before the fetch fails. */
  idleMs: number;
}

class WebDownloadError extends Error {}

export class HttpWebSource implements WebSource {
  constructor(private readonly options: WebSourceOptions) {}

  async admits(uri: string): Promise<boolean> {
    return (await admit(uri, this.options)) !== null;
  }

  async open(uri: string, signal: AbortSignal): Promise<WebData> {
    let location = uri;
    for (let hop = 0; ; hop++) {
      const admitted = await admit(location, this.options);
      if (!admitted) throw new WebDownloadError(hop === 0 ? `URI does not pass filtering: ${location}` : `Redirect to disallowed URL: ${location}`);
      const response = await this.get(admitted, signal);
      const status = response.statusCode ?? 0;
      const next = response.headers.location;
      if (REDIRECTS.includes(status) && next !== undefined) {
        response.resume();
        if (hop === MAX_REDIRECTS) throw new WebDownloadError(`The HTTP server returned a redirect error that would lead to an infinite loop: ${location}`);
        location = redirectTarget(location, next);
        continue;
      }
      if (status < 200 || status >= 300) {
        response.resume();
        throw new WebDownloadError(`HTTP Error ${status}: ${response.statusMessage ?? ''}`);
      }
      const length = response.headers['content-length'];
      return { body: response, length: length === undefined ? null : Number(length) };
    }
  }

  /** One GET of an admitted URI, connected to its admitted address; resolves once the answer's headers are in. */
  private get({ uri, address }: Admitted, signal: AbortSignal): Promise<IncomingMessage> {
    const https = uri.scheme === 'https';
    const send = https ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send({
        host: address,
        port: uri.port ?? (https ? 443 : 80),
        path: uri.target,
        headers: { host: hostHeader(uri), 'accept-encoding': 'identity', 'user-agent': 'glint-web-download' },
        // The certificate must name the host asked for, not the address connected to.
        ...(https && !isIP(uri.hostname!) ? { servername: uri.hostname! } : {}),
        signal,
      });
      req.setTimeout(this.options.idleMs, () => req.destroy(new WebDownloadError(`${uri.hostname} sent nothing for ${this.options.idleMs / 1000} s`)));
      req.once('response', resolve);
      req.once('error', reject);
      req.end();
    });
  }
}
