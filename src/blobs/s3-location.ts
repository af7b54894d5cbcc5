/** The bucket, key prefix and service named by a `--blobs s3://BUCKET[/PREFIX]?endpoint=…&region=…` URL. */

export interface S3Location {
  bucket: string;
  /** Prepended to every key: empty, or ending in `/`. */
  prefix: string;
  /** Base URL of an S3-compatible service; absent for AWS itself. */
  endpoint?: string;
  region: string;
}

const FORM = 's3://BUCKET[/PREFIX][?endpoint=URL&region=REGION]';
const PARAMETERS = ['endpoint', 'region'];
const DEFAULT_REGION = 'us-east-1';

export function parseS3Url(text: string): S3Location {
  const bad = (why: string) => new Error(`--blobs must be ${FORM}, but '${text}' ${why}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('is not a URL');
  }
  if (url.protocol !== 's3:') throw bad(`has the scheme '${url.protocol.slice(0, -1)}'`);
  if (!url.hostname) throw bad('names no bucket');
  // Secrets in a URL end up in shell history and process listings; the SDK's usual sources are safer.
  if (url.username || url.password) throw bad('carries credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead)');
  if (url.port) throw bad('has a port (put the service address in ?endpoint=)');
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.includes(name)) throw bad(`has the unknown parameter '${name}' (known: ${PARAMETERS.join(', ')})`);
  }
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !isHttpUrl(endpoint)) throw bad(`has an endpoint that is not an http(s) URL: '${endpoint}'`);
  const region = url.searchParams.get('region') ?? DEFAULT_REGION;
  if (!region) throw bad('has an empty region');
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  return { bucket: url.hostname, prefix: path && !path.endsWith('/') ? `${path}/` : path, endpoint, region };
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol, hostname } = new URL(text);
    return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
  } catch {
    return false;
  }
}
