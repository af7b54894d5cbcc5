/**
 * An image file's bytes (or a range of them) as a stream. Read as a stream, each chunk is a fresh 1 MiB buffer;
 * piped (a download: the answer's body), the bytes go from the file into the sink through two buffers used in
 * turn, the next read running while the last chunk is written: no buffer allocated and first touched per chunk,
 * no stream machinery between the file and the socket, and never more than two chunks in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';

/** Bytes read at once: a download is one long sequential stream, and small reads spend more on calls than on bytes. */
export const READ_BYTES = 1024 * 1024;

export class FileData extends Readable {
  private position: number;
  /** Set once a pipe took the bytes over: the stream's own reading never starts then. */
  private piped = false;

  constructor(
    private readonly file: FileHandle,
    start: number,
    /** The first byte past the data. */
    private readonly end: number,
  ) {
    super({ highWaterMark: READ_BYTES });
    this.position = start;
  }

  private async readInto(buffer: Buffer): Promise<Buffer> {
    const { bytesRead } = await this.file.read(buffer, 0, Math.min(buffer.length, this.end - this.position), this.position);
    this.position += bytesRead;
    return buffer.subarray(0, bytesRead);
  }

  override _read(): void {
    if (this.position >= this.end) {
      this.push(null);
      return;
    }
    this.readInto(Buffer.allocUnsafe(Math.min(READ_BYTES, this.end - this.position))).then(
      (chunk) => this.push(chunk.length > 0 ? chunk : null),
      (err: Error) => this.destroy(err),
    );
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.file.close().then(() => done(err), (closeErr: Error) => done(err ?? closeErr));
  }

  override pipe<T extends NodeJS.WritableStream>(sink: T, options?: { end?: boolean }): T {
    if (this.piped || this.readableDidRead || !isWritable(sink)) return super.pipe(sink, options);
    this.piped = true;
    this.copyTo(sink).then(
      () => {
        if (options?.end !== false) sink.end();
        // Ended as a stream ends, so that whoever watches it (the framework) sees the data all sent.
        this.push(null);
        this.resume();
      },
      (err: Error) => this.destroy(err),
    );
    return sink;
  }

  /** File → sink through two buffers in turn; stops when this stream is destroyed (the client went away). */
  private async copyTo(sink: Writable): Promise<void> {
    const buffers = [Buffer.allocUnsafeSlow(READ_BYTES), Buffer.allocUnsafeSlow(READ_BYTES)];
    let written: Promise<void> = Promise.resolve();
    for (let turn = 0; this.position < this.end; turn ^= 1) {
      const chunk = await this.readInto(buffers[turn]);
      // The buffer read into next is the one the write before this one used: free once that write is done.
      await written;
      if (chunk.length === 0 || this.destroyed) return;
      written = sent(sink, chunk);
      // Settled by the next turn, or below: never left unhandled.
      written.catch(() => undefined);
    }
    await written;
  }
}

const isWritable = (sink: NodeJS.WritableStream): sink is Writable => typeof (sink as Writable).destroyed === 'boolean';

/** Writes the chunk; resolves once the sink is done with it (its bytes handed on), fails if the sink fails or closes first. */
function sent(sink: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const closed = () => reject(new Error('the sink closed before the data was written'));
    sink.once('close', closed);
    sink.write(chunk, (err) => {
      sink.off('close', closed);
      if (err) reject(err);
      else resolve();
    });
  });
}
