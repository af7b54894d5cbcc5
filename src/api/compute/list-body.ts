/**
 * Assembles a compute list response from the catalog's batches: whole when it is small enough to
 * hold, streamed batch by batch beyond.
 */
import { Readable } from 'node:stream';
import type { Image } from '../../catalog/image.js';
import { nextLink, type LinkBase } from '../common/links.js';
import { imagesBody, linkPieces, pushImages, type LinkPieces, type ListView } from './views.js';

/** A list of up to this many images is sent whole (with a length); beyond it the rest streams. */
const BUFFERED_LIST_IMAGES = 5000;

const IMAGES_OPEN = Buffer.from('{"images":[');
const EMPTY_LIST = Buffer.from('{"images":[]}');

export class ListBody {
  private readonly links: LinkPieces;
  private count = 0;
  private lastId = '';

  constructor(
    private readonly view: ListView,
    private readonly base: LinkBase,
    /** The request's parameters, echoed into the next link. */
    private readonly params: URLSearchParams,
    /** A non-empty list of exactly this many images gets a next link. */
    private readonly pageFill: number,
  ) {
    this.links = linkPieces(base);
  }

  /** The response body: a Buffer, or a stream for lists too large to hold. */
  async assemble(pages: AsyncGenerator<Image[]>, first: IteratorResult<Image[]>): Promise<Buffer | Readable> {
    if (first.done) return EMPTY_LIST;
    const second = await pages.next();
    if (second.done) {
      const batch = first.value;
      return imagesBody(batch, this.view, this.links, this.closingText(batch.length, batch[batch.length - 1].id));
    }
    const pieces: Buffer[] = [IMAGES_OPEN];
    this.render(pieces, first.value);
    for (let next: IteratorResult<Image[]> = second; !next.done; next = await pages.next()) {
      this.render(pieces, next.value);
      if (this.count >= BUFFERED_LIST_IMAGES) return Readable.from(this.rest(Buffer.concat(pieces), pages));
    }
    pieces.push(this.closing());
    return Buffer.concat(pieces);
  }

  private render(out: Buffer[], batch: Image[]): void {
    pushImages(out, batch, this.view, this.links, this.count > 0);
    this.count += batch.length;
    this.lastId = batch[batch.length - 1].id;
  }

  private closingText(count: number, lastId: string): string {
    if (count === 0 || count !== this.pageFill) return ']}';
    const collection = this.view === 'basic' ? '/images' : '/images/detail';
    return `],"images_links":[{"rel":"next","href":${JSON.stringify(nextLink(this.base, collection, this.params, lastId))}}]}`;
  }

  private closing(): Buffer {
    return Buffer.from(this.closingText(this.count, this.lastId));
  }

  private async *rest(head: Buffer, pages: AsyncGenerator<Image[]>): AsyncGenerator<Buffer> {
    yield head;
    for await (const batch of pages) {
      const out: Buffer[] = [];
      this.render(out, batch);
      yield Buffer.concat(out);
    }
    yield this.closing();
  }
}
