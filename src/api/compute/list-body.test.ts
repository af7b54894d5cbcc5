import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Image } from '../../catalog/image.js';
import { isoSeconds } from '../../catalog/iso8601.js';
import { nextLink, type LinkBase } from '../common/links.js';
import { variedImages } from '../../../test/support/varied-images.js';
import { ListBody } from './list-body.js';
import { novaStatus } from './status.js';
import { metadataView, type ListView } from './views.js';

const BASES: LinkBase[] = [
  { origin: 'http://127.0.0.1:8774', versionPrefix: '/v2.1', projectSegment: '/d2669380d048f5cf15f6ea58a9cdfa6c', imageEndpoint: 'http://127.0.0.1:9292', alternateWithProject: false },
  { origin: 'https://cloud.example:443', versionPrefix: '/v2', projectSegment: '', imageEndpoint: 'https://images.example', alternateWithProject: true },
];

/** Nova's image views (`nova/api/openstack/compute/views/images.py`) built as objects and serialized whole. */
function novaEntry(image: Image, view: ListView, base: LinkBase): Record<string, unknown> {
  const project = base.projectSegment;
  const links = [
    { rel: 'self', href: `${base.origin}${base.versionPrefix}${project}/images/${image.id}` },
    { rel: 'bookmark', href: `${base.origin}${project}/images/${image.id}` },
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${base.imageEndpoint}${base.alternateWithProject ? project : ''}/images/${image.id}` },
  ];
  if (view === 'basic') return { id: image.id, name: image.name, links };
  const { status, progress } = novaStatus(image.status);
  const entry: Record<string, unknown> = {
    id: image.id,
    name: image.name,
    minRam: image.min_ram,
    minDisk: image.min_disk,
    metadata: metadataView(image.properties),
    created: isoSeconds(image.created_at),
    updated: isoSeconds(image.updated_at),
    status,
    progress,
    'OS-EXT-IMG-SIZE:size': image.size ?? 0,
    links,
  };
  const server = image.properties.instance_uuid;
  if (typeof server === 'string') {
    entry.server = {
      id: server,
      links: [
        { rel: 'self', href: `${base.origin}${base.versionPrefix}${project}/servers/${server}` },
        { rel: 'bookmark', href: `${base.origin}${project}/servers/${server}` },
      ],
    };
  }
  const diskConfig = image.properties.auto_disk_config;
  if (typeof diskConfig === 'string') {
    entry['OS-DCF:diskConfig'] = ['1', 't', 'true', 'on', 'y', 'yes'].includes(diskConfig.trim().toLowerCase()) ? 'AUTO' : 'MANUAL';
  }
  return entry;
}

function expectedBody(images: Image[], view: ListView, base: LinkBase, params: URLSearchParams, pageFill: number): string {
  const body: Record<string, unknown> = { images: images.map((image) => novaEntry(image, view, base)) };
  if (images.length > 0 && images.length === pageFill) {
    const collection = view === 'basic' ? '/images' : '/images/detail';
    body.images_links = [{ rel: 'next', href: nextLink(base, collection, params, images[images.length - 1].id) }];
  }
  return JSON.stringify(body);
}

async function* batches(images: Image[], size: number): AsyncGenerator<Image[]> {
  for (let i = 0; i < images.length; i += size) yield images.slice(i, i + size);
}

async function rendered(images: Image[], view: ListView, base: LinkBase, params: URLSearchParams, pageFill: number, batchSize: number): Promise<string> {
  const pages = batches(images, batchSize);
  const body = await new ListBody(view, base, params, pageFill).assemble(pages, await pages.next());
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

test('compute list bodies are what serializing Nova’s views gives, for every view, link base and batching', async () => {
  const images = variedImages(60);
  const params = new URLSearchParams('limit=25&name=x%20y&status=ACTIVE&marker=old');
  for (const view of ['basic', 'detailed'] as const) {
    // Twice over: the second time every image's rendering is a kept one.
    for (const base of [...BASES, ...BASES]) {
      for (const [count, pageFill, batchSize] of [[25, 25, 1000], [24, 25, 1000], [0, 25, 1000], [60, 60, 7], [60, 1000, 25]]) {
        const page = images.slice(0, count);
        assert.equal(await rendered(page, view, base, params, pageFill, batchSize), expectedBody(page, view, base, params, pageFill), `${view} ${count}/${pageFill} by ${batchSize}`);
      }
    }
  }
});

test('a compute list too long to hold streams the same body', async () => {
  const images = variedImages(5200);
  const params = new URLSearchParams('limit=0');
  for (const view of ['basic', 'detailed'] as const) {
    assert.equal(await rendered(images, view, BASES[0], params, 1000, 1000), expectedBody(images, view, BASES[0], params, 1000));
  }
});
