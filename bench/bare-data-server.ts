/**
 * Baseline server for bench/data.ts: image data through node:http with nothing else on the way, the ceiling
 * Glint's data path is measured against. `GET /<name>` streams the object with 1 MiB reads; `PUT /<name>` hashes
 * the body (md5 + sha512) while writing it, then makes it durable, and answers `{ size, md5, sha512 }`.
 * Usage (forked, reports its port over IPC): `bare-data-server.ts file <dir>` keeps the objects as files of
 * `dir` (written, fsynced); `bare-data-server.ts s3 <bucket> <endpoint>` keeps them in the bucket, read and
 * written as Glint's S3 store does (multipart uploads of the same part size).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const READ_SIZE = 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

interface Objects {
  /** The object's bytes and length, or null when there is none. */
  read(name: string): Promise<{ body: Readable; length: number } | null>;
  /** Stores what `body` yields. */
  write(name: string, body: Readable): Promise<void>;
}

function fileObjects(dir: string): Objects {
  return {
    async read(name) {
      const info = await stat(join(dir, name)).catch(() => null);
      return info && { body: createReadStream(join(dir, name), { highWaterMark: READ_SIZE }), length: info.size };
    },
    async write(name, body) {
      const path = join(dir, name);
      await pipeline(body, createWriteStream(path, { highWaterMark: READ_SIZE }));
      const handle = await open(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

function s3Objects(bucket: string, endpoint: string): Objects {
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    async read(name) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: name })).catch(() => null);
      return answer && { body: answer.Body as Readable, length: answer.ContentLength ?? 0 };
    },
    async write(name, body) {
      await new Upload({ client, params: { Bucket: bucket, Key: name, Body: body }, partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT }).done();
    },
  };
}

const [kind, ...where] = process.argv.slice(2);
if ((kind !== 'file' && kind !== 's3') || !process.send) {
  console.error('usage: fork bare-data-server.ts file <dir> | s3 <bucket> <endpoint> (needs an IPC channel to report its port)');
  process.exit(2);
}
const objects = kind === 'file' ? fileObjects(where[0]) : s3Objects(where[0], where[1]);

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = decodeURIComponent(req.url!.slice(1));
  if (req.method === 'GET') {
    const found = await objects.read(name);
    if (!found) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': found.length });
    await pipeline(found.body, res);
    return;
  }
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      size += chunk.length;
      md5.update(chunk);
      sha512.update(chunk);
      done(null, chunk);
    },
  });
  await objects.write(name, req.pipe(hashing));
  const body = JSON.stringify({ size, md5: md5.digest('hex'), sha512: sha512.digest('hex') });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

const server = createServer((req, res) => {
  answer(req, res).catch((err: unknown) => {
    console.error(`bare data server: ${req.method} ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));

// Never outlive the benchmark, even when it dies without stopping us.
process.on('disconnect', () => process.exit(0));
