import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ReferenceImage } from '../catalog/reference-catalog.js';
import { DEMO_PROJECTS, demoCatalog } from './demo-catalog.js';

const PROFILES = ['huawei', 'openstack'] as const;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The default Glance list of a non-admin project: public, its own, and shares it accepted. */
function defaultListOf(project: string, images: ReferenceImage[]) {
  return {
    publicImages: images.filter((i) => i.visibility === 'public'),
    own: images.filter((i) => i.owner === project),
    acceptedShares: images.filter(
      (i) => i.owner !== project && i.visibility === 'shared' && i.members.some((m) => m.member === project && m.status === 'accepted'),
    ),
  };
}

for (const profile of PROFILES) {
  describe(`demoCatalog('${profile}')`, () => {
    const catalog = demoCatalog(profile);
    const { images } = catalog;

    it('is a reference-catalog/1 with about a dozen images', () => {
      assert.equal(catalog.format, 'reference-catalog/1');
      assert.ok(images.length >= 10, `only ${images.length} images`);
    });

    it('has unique UUID v4 ids and unique, well-formed, ordered timestamps', () => {
      for (const image of images) {
        assert.match(image.id, UUID_V4, image.name ?? image.id);
        assert.match(image.created_at, TIMESTAMP);
        assert.match(image.updated_at, TIMESTAMP);
        assert.ok(image.updated_at >= image.created_at, `${image.name} updated before created`);
        assert.ok(image.created_at.startsWith('2026-'));
      }
      assert.equal(new Set(images.map((i) => i.id)).size, images.length);
      assert.equal(new Set(images.map((i) => i.created_at)).size, images.length);
    });

    it('gives every image with data a matching size, md5 and sha512', () => {
      const withData = images.filter((i) => i.data_b64 !== null);
      assert.ok(withData.length > 0);
      for (const image of withData) {
        const bytes = Buffer.from(image.data_b64 ?? '', 'base64');
        assert.ok(bytes.length > 0, image.name ?? image.id);
        assert.equal(image.size, bytes.length);
        assert.equal(image.checksum, createHash('md5').update(bytes).digest('hex'));
        assert.equal(image.os_hash_algo, 'sha512');
        assert.equal(image.os_hash_value, createHash('sha512').update(bytes).digest('hex'));
        assert.equal(image.has_location, true);
      }
    });

    it('leaves images without data without size, hashes or location', () => {
      const withoutData = images.filter((i) => i.data_b64 === null);
      assert.ok(withoutData.some((i) => i.status === 'queued'));
      for (const image of withoutData) {
        assert.equal(image.size, null);
        assert.equal(image.virtual_size, null);
        assert.equal(image.checksum, null);
        assert.equal(image.os_hash_algo, null);
        assert.equal(image.os_hash_value, null);
        assert.equal(image.has_location, false);
      }
    });

    it('covers the statuses and kinds of image a newcomer will meet', () => {
      assert.ok(images.some((i) => i.status === 'deactivated'));
      const snapshot = images.find((i) => i.properties.image_type === 'snapshot');
      assert.ok(snapshot);
      assert.equal(snapshot.owner, DEMO_PROJECTS.demo);
      for (const key of ['instance_uuid', 'base_image_ref', 'image_location', 'user_id', 'owner_id']) {
        assert.ok(key in snapshot.properties, `snapshot lacks ${key}`);
      }
      assert.ok(images.some((i) => i.id === snapshot.properties.base_image_ref), 'snapshot base image missing');
      assert.ok(images.some((i) => i.members.some((m) => m.member === DEMO_PROJECTS.demo && m.status === 'pending')));
    });

    it('lets the demo project see public, own and accepted shared images', () => {
      const seen = defaultListOf(DEMO_PROJECTS.demo, images);
      assert.ok(seen.publicImages.length > 0, 'no public image');
      assert.ok(seen.own.length > 0, 'no own image');
      assert.ok(seen.acceptedShares.length > 0, 'no accepted shared image');
      assert.ok(seen.acceptedShares.every((i) => i.owner === DEMO_PROJECTS.other));
    });

    it('lists the demo, admin and other projects with tokens', () => {
      for (const label of ['demo', 'admin', 'other'] as const) {
        const project = catalog.projects?.[label];
        assert.ok(project, label);
        assert.match(project.id, /^[0-9a-f]{32}$/);
        assert.equal(project.id, DEMO_PROJECTS[label]);
        assert.equal(project.token, `${label}:${project.id}`);
      }
      assert.ok(catalog.projects?.admin.roles?.includes('admin'));
      assert.ok(!catalog.projects?.demo.roles?.includes('admin'));
    });
  });
}

describe('demoCatalog profiles', () => {
  it('marks huawei public images gold, with the documented __ properties', () => {
    const publicImages = demoCatalog('huawei').images.filter((i) => i.visibility === 'public');
    assert.ok(publicImages.length > 0);
    for (const image of publicImages) {
      assert.equal(image.properties.__imagetype, 'gold');
      assert.equal(image.properties.__os_bit, '64');
      assert.match(image.properties.__os_type ?? '', /^(Linux|Windows)$/);
      assert.ok(image.properties.__os_version);
      assert.ok(image.properties.__platform);
    }
  });

  it('gives openstack images no __ property', () => {
    for (const image of demoCatalog('openstack').images) {
      assert.deepEqual(Object.keys(image.properties).filter((k) => k.startsWith('__')), [], image.name ?? image.id);
    }
  });

  it('differs between profiles only in properties', () => {
    const strip = (i: ReferenceImage) => ({ ...i, properties: {} });
    assert.deepEqual(demoCatalog('huawei').images.map(strip), demoCatalog('openstack').images.map(strip));
  });

  it('returns a fresh catalog on each call', () => {
    const first = demoCatalog('openstack');
    first.images[0].tags.push('mutated');
    assert.ok(!demoCatalog('openstack').images[0].tags.includes('mutated'));
  });
});
