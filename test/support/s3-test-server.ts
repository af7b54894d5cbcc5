/**
 * A real S3-speaking server for tests: s3rver (S3's REST API over a local directory, multipart uploads
 * and ranged reads included) on 127.0.0.1 at a random port, with one bucket. s3rver implements neither
 * ListMultipartUploads nor AbortMultipartUpload, which S3BlobStore relies on, so this server adds both,
 * working on s3rver's own record of the uploads in progress (a directory per upload, holding its key),
 * and corrects its reading of the range `bytes=0-0`.
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import S3rver, { type KoaContext, type Middleware } from '@20minutes/s3rver';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export const TEST_BUCKET = 'glint-test';
/** The only key pair s3rver accepts. */
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** Where s3rver keeps a bucket's uploads in progress, inside the bucket's directory. */
const UPLOADS = '._S3rver_uploads';

export interface TestS3 {
  /** A `--blobs` URL for the test bucket, with keys under `prefix`. */
  url(prefix?: string): string;
  /** Everything the bucket holds under `prefix`, by name: objects, and `NAME (upload in progress)`. */
  stored(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts the server, or fails: a test that needs S3 must not quietly pass without one. */
export async function startTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'glint-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: TEST_BUCKET }],
    // s3rver checks the signature of a bucket request (HeadBucket, ListObjects) over `/BUCKET`, where
    // the SDK signs `/BUCKET/`, so it would refuse them all; it still refuses an unknown access key.
    allowMismatchedSignatures: true,
  });
  // In front of s3rver's router, and behind its encoding of replies as XML.
  const router = server.middleware.findIndex((m) => m.name === 'dispatch');
  if (router < 0) throw new Error('s3rver has changed: its router is not where the test server expects it');
  server.middleware.splice(router, 0, multipartUploads(directory), firstByteRange);
  const { port } = await server.run();

  // S3BlobStore takes its credentials from the SDK's usual sources; the environment comes first among
  // them. Without it the SDK would go on to ask the EC2 metadata address, which is not on this machine.
  process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
  return {
    url: (prefix = '') => `s3://${TEST_BUCKET}/${prefix}?endpoint=${endpoint}`,
    async stored(prefix) {
      const [objects, uploads] = await Promise.all([
        client.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix })),
        client.send(new ListMultipartUploadsCommand({ Bucket: TEST_BUCKET, Prefix: prefix })),
      ]);
      const name = (key = '') => key.slice(prefix.length);
      return [
        ...(objects.Contents ?? []).map((o) => name(o.Key)),
        ...(uploads.Uploads ?? []).map((u) => `${name(u.Key)} (upload in progress)`),
      ].sort();
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** ListMultipartUploads (`GET /BUCKET?uploads`) and AbortMultipartUpload (`DELETE /BUCKET/KEY?uploadId=`). */
function multipartUploads(directory: string): Middleware {
  return async (ctx, next) => {
    const [bucket, ...rest] = ctx.path.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const uploadsDir = join(directory, decodeURIComponent(bucket), UPLOADS);
    if (ctx.method === 'GET' && !key && 'uploads' in ctx.query) return listUploads(ctx, bucket, uploadsDir);
    if (ctx.method === 'DELETE' && key && typeof ctx.query.uploadId === 'string') return abortUpload(ctx, key, join(uploadsDir, ctx.query.uploadId));
    return next();
  };
}

/** s3rver takes the end of `bytes=0-0` for none (it tests `end || Infinity`) and sends the whole object. */
const firstByteRange: Middleware = async (ctx, next) => {
  await next();
  if (ctx.method !== 'GET' || ctx.get('range') !== 'bytes=0-0' || ctx.status !== 206) return;
  const size = ctx.response.get('content-range').split('/')[1];
  for await (const chunk of ctx.body as Readable) {
    ctx.body = (chunk as Buffer).subarray(0, 1);
    break;
  }
  ctx.set('content-range', `bytes 0-0/${size}`);
};

interface UploadInProgress {
  Key: string;
  UploadId: string;
  Initiated: string;
}

async function listUploads(ctx: KoaContext, bucket: string, uploadsDir: string): Promise<void> {
  const prefix = typeof ctx.query.prefix === 'string' ? ctx.query.prefix : '';
  const uploads: UploadInProgress[] = [];
  for (const id of await readdir(uploadsDir).catch(() => [])) {
    const key = await keyOf(join(uploadsDir, id));
    if (key === null || !key.startsWith(prefix)) continue;
    uploads.push({ Key: key, UploadId: id, Initiated: (await stat(join(uploadsDir, id))).birthtime.toISOString() });
  }
  uploads.sort((a, b) => a.Key.localeCompare(b.Key) || a.Initiated.localeCompare(b.Initiated));
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' },
      Bucket: bucket,
      KeyMarker: '',
      UploadIdMarker: '',
      Prefix: prefix,
      MaxUploads: 1000,
      IsTruncated: false,
      Upload: uploads,
    },
  };
}

async function abortUpload(ctx: KoaContext, key: string, uploadDir: string): Promise<void> {
  if ((await keyOf(uploadDir)) !== key) {
    ctx.status = 404;
    ctx.body = { Error: { Code: 'NoSuchUpload', Message: 'The specified multipart upload does not exist.' } };
    return;
  }
  await rm(uploadDir, { recursive: true, force: true });
  ctx.status = 204;
}

/** The key an upload in progress is for, or null when there is no such upload (any more). */
async function keyOf(uploadDir: string): Promise<string | null> {
  return readFile(join(uploadDir, 'key'), 'utf8').catch(() => null);
}
