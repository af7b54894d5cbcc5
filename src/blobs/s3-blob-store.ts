/**
 * Image data as one object per image in an S3 bucket (AWS, or any service speaking its API), under an
 * optional key prefix. S3 shows an object only once its single PUT or its multipart upload completes,
 * so readers never see part of a write; a multipart upload still in progress after a restart is the
 * trace of a write the previous process did not finish.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type MultipartUpload,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobStore, BlobWriter, ByteRange } from '../catalog/ports.js';
import { parseS3Url } from './s3-location.js';

/**
 * A streamed write holds at most PARTS_IN_FLIGHT parts (plus the one being filled) in memory, so a
 * 1 GiB upload needs about 40 MiB; 10,000 parts (the S3 limit) of this size allow 80 GiB.
 */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/**
 * Data up to this size is copied inside the bucket by one request, larger data in parts of it: S3 copies at most
 * 5 GiB at once, and a copy takes up to 10,000 parts.
 */
const COPY_PART_BYTES = 1024 ** 3;

export interface S3StoreOptions {
  /** The size of the parts large data is copied in (see COPY_PART_BYTES). */
  copyPartBytes?: number;
}

export class S3BlobStore implements BlobStore {
  /** Every key of this store starts so. */
  private readonly prefix: string;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly copyPartBytes: number,
    /** The `--blobs` prefix, or a snapshot's prefix below it (see `snapshot`). */
    private readonly root: string,
    /** The part of the prefix `within` adds below the root. */
    private readonly sub = '',
  ) {
    this.prefix = root + sub;
  }

  /** Opens the store a `--blobs` URL names, once its bucket has answered. */
  static async open(url: string, { copyPartBytes = COPY_PART_BYTES }: S3StoreOptions = {}): Promise<S3BlobStore> {
    const { bucket, prefix, endpoint, region } = parseS3Url(url);
    const client = new S3Client({
      region,
      // Services other than AWS mostly serve buckets by path only, and many reject the CRC checksums
      // the SDK otherwise adds to every upload.
      ...(endpoint && { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
    });
    try {
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      client.destroy();
      throw new Error(`--blobs: the S3 bucket '${bucket}' ${endpoint ? `at ${endpoint}` : `in ${region}`} cannot be used: ${whyUnusable(err)}`);
    }
    return new S3BlobStore(client, bucket, copyPartBytes, prefix);
  }

  /** A store of its own under `name/` below this one's prefix (this one never lists keys that deep). */
  within(name: string): S3BlobStore {
    return new S3BlobStore(this.client, this.bucket, this.copyPartBytes, this.root, `${this.sub}${name}/`);
  }

  /** `snapshots/NAME/` below the root, where the same `within` stores sit below it. */
  snapshot(name: string): S3BlobStore {
    return new S3BlobStore(this.client, this.bucket, this.copyPartBytes, `${this.root}snapshots/${name}/`, this.sub);
  }

  private key(imageId: string): string {
    return this.prefix + encodeURIComponent(imageId);
  }

  /** The image whose object `key` is, or null for keys this store never writes (e.g. deeper under the prefix). */
  private imageIdOf(key: string): string | null {
    const name = key.slice(this.prefix.length);
    if (!key.startsWith(this.prefix) || name === '' || name.includes('/')) return null;
    try {
      return decodeURIComponent(name);
    } catch {
      return null;
    }
  }

  async put(imageId: string, data: Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(imageId), Body: data }));
  }

  async begin(imageId: string): Promise<BlobWriter> {
    const target = { Bucket: this.bucket, Key: this.key(imageId) };
    // `Upload` starts its multipart upload only once a first part is full, and sends small data in one
    // PUT, so until then nothing would show that a write is under way. An upload of our own, never
    // completed and aborted when the write ends, is that trace from this moment on.
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    let tracing = true;
    const endTrace = async () => {
      if (!tracing) return;
      tracing = false;
      await this.client.send(new AbortMultipartUploadCommand({ ...target, UploadId }));
    };
    const write = async (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> => {
      let size = 0;
      const body = Readable.from(
        (async function* () {
          for await (const chunk of source) {
            size += chunk.byteLength;
            yield chunk;
          }
        })(),
      );
      const upload = new Upload({ client: this.client, params: { ...target, Body: body }, partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT });
      try {
        // On failure `Upload` aborts its own multipart upload, so only the trace is left to remove.
        await upload.done();
      } catch (err) {
        // The write's error is the one that matters; a trace left behind is cleared on the next start.
        await endTrace().catch(() => undefined);
        throw err;
      } finally {
        body.destroy();
      }
      await endTrace();
      return size;
    };
    return { write, abort: endTrace };
  }

  async open(imageId: string, range?: ByteRange): Promise<Readable | null> {
    const Range = range ? `bytes=${range.start}-${range.end}` : undefined;
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(imageId), Range }));
      return Body as Readable;
    } catch (err) {
      if (errorName(err) === 'NoSuchKey') return null;
      // A range past the end is an error to S3 but simply no bytes to a file (an empty object has no byte 0).
      if (errorName(err) === 'InvalidRange') return Readable.from([]);
      throw err;
    }
  }

  async get(imageId: string): Promise<Uint8Array | null> {
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(imageId) }));
      return Body ? await Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (errorName(err) === 'NoSuchKey') return null;
      throw err;
    }
  }

  async delete(imageId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(imageId) }));
  }

  async ids(): Promise<string[]> {
    return (await this.keys()).map((key) => this.imageIdOf(key)).filter((id) => id !== null);
  }

  /** A copy inside the object store, the bytes never leaving it; large data in parts (see COPY_PART_BYTES). */
  async adopt(from: BlobStore, imageId: string): Promise<void> {
    if (!(from instanceof S3BlobStore)) throw new Error('an S3 store adopts data from another S3 store only');
    const CopySource = `${from.bucket}/${from.key(imageId)}`.split('/').map(encodeURIComponent).join('/');
    const target = { Bucket: this.bucket, Key: this.key(imageId) };
    const { ContentLength: size = 0 } = await this.client.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key(imageId) }));
    if (size <= this.copyPartBytes) {
      await this.client.send(new CopyObjectCommand({ ...target, CopySource }));
      return;
    }
    // Shows only once complete, as an upload does; until then it is the trace of a write, as an upload's is.
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    try {
      const parts: CompletedPart[] = [];
      const count = Math.ceil(size / this.copyPartBytes);
      let next = 0;
      const copyParts = async () => {
        while (next < count) {
          const index = next++;
          const start = index * this.copyPartBytes;
          const CopySourceRange = `bytes=${start}-${Math.min(start + this.copyPartBytes, size) - 1}`;
          const { CopyPartResult } = await this.client.send(new UploadPartCopyCommand({ ...target, UploadId, PartNumber: index + 1, CopySource, CopySourceRange }));
          parts[index] = { PartNumber: index + 1, ETag: CopyPartResult?.ETag };
        }
      };
      await Promise.all(Array.from({ length: PARTS_IN_FLIGHT }, copyParts));
      await this.client.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  async destroy(): Promise<void> {
    const keys = await this.keys();
    // DeleteObjects takes up to 1000 keys.
    for (let at = 0; at < keys.length; at += 1000) {
      const Objects = keys.slice(at, at + 1000).map((Key) => ({ Key }));
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects, Quiet: true } }));
    }
  }

  /** The keys of this store's objects, not those deeper under its prefix (other stores'). */
  private async keys(): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix || undefined, Delimiter: '/', ContinuationToken }));
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return keys;
  }

  /** Aborts the uploads in progress that `abandoned` picks, and names their images. */
  async interrupted(abandoned: (imageId: string, lastActive: Date) => Promise<boolean>): Promise<string[]> {
    const images = new Set<string>();
    for (const upload of await this.uploadsInProgress()) {
      const imageId = this.imageIdOf(upload.Key ?? '');
      if (imageId === null || !(await abandoned(imageId, upload.Initiated ?? new Date(0)))) continue;
      images.add(imageId);
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
      } catch (err) {
        // Another process giving it back at the same moment came first.
        if (errorName(err) !== 'NoSuchUpload') throw err;
      }
    }
    return [...images];
  }

  private async uploadsInProgress(): Promise<MultipartUpload[]> {
    const uploads: MultipartUpload[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (;;) {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix || undefined, ...markers }));
      uploads.push(...(page.Uploads ?? []));
      if (!page.IsTruncated) return uploads;
      markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
    }
  }
}

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** Why HeadBucket failed, in terms of what to fix. */
function whyUnusable(err: unknown): string {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === 404) return 'no such bucket';
  if (status === 403) return 'access denied (credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the other usual AWS sources)';
  if (status === 301) return 'the bucket is in another region (add ?region=)';
  // Other refusals of a HEAD request carry no body to explain them, only their status.
  if (status) return `the service answered HTTP ${status}`;
  if (!(err instanceof Error)) return String(err);
  // A refused connection can come as an error with no message of its own, only a code.
  return err.message || (err as NodeJS.ErrnoException).code || err.name;
}
