/**
 * Images of every kind a list can hold, for tests of the list renderings: every status, names and properties
 * with quotes, escapes and characters outside ASCII, null values, the properties views treat specially, and
 * images frozen as a store hands them out beside images that are not.
 */
import { GLANCE_STATUSES, VISIBILITIES, type Image, type Properties } from '../../src/catalog/image.js';

const NAMES = [null, '', 'plain', 'quote " and back\\slash', 'tab\tnew\nline\u0001', 'ünïcödé 名前 🚀', '</script>&amp;', '\u2028\u2029'];

const PROPERTY_SETS: Properties[] = [
  {},
  { kernel_id: null, ramdisk_id: null, os_distro: 'ubuntu' },
  { instance_uuid: '8f1c2e7a-3b4d-4e5f-9a0b-1c2d3e4f5a6b', image_type: 'snapshot', auto_disk_config: 'True' },
  { auto_disk_config: ' no ', 'clé ✓': 'välue "quoted"' },
  { block_device_mapping: '[{"boot_index": 0, "source_type": "snapshot"}]', mappings: 'not json', bdm_v2: 'True' },
  { mappings: null, ['__proto__']: 'a key of its own', empty: '' },
  { hw_qemu_guest_agent: 'yes', description: 'line\nbreak \\ "and" \u00e9\u{1F600}' },
];

/** `count` images cycling through every status, visibility, name and property set. */
export function variedImages(count: number): Image[] {
  const images: Image[] = [];
  for (let i = 0; i < count; i++) {
    const properties = Object.fromEntries<string | null>(Object.entries(PROPERTY_SETS[i % PROPERTY_SETS.length]));
    const second = String(i % 60).padStart(2, '0');
    const image: Image = {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: NAMES[i % NAMES.length],
      status: GLANCE_STATUSES[i % GLANCE_STATUSES.length],
      visibility: VISIBILITIES[i % VISIBILITIES.length],
      owner: i % 5 === 0 ? null : 'd2669380d048f5cf15f6ea58a9cdfa6c',
      protected: i % 2 === 0,
      os_hidden: i % 3 === 0,
      min_ram: (i * 512) % 8192,
      min_disk: i % 40,
      size: i % 4 === 0 ? null : i * 1024 ** 2,
      virtual_size: i % 3 === 0 ? null : i * 2 * 1024 ** 2,
      disk_format: i % 6 === 0 ? null : 'qcow2',
      container_format: i % 6 === 0 ? null : 'bare',
      checksum: i % 4 === 0 ? null : 'c4ca4238a0b923820dcc509a6f75849b',
      os_hash_algo: i % 4 === 0 ? null : 'sha512',
      os_hash_value: i % 4 === 0 ? null : 'f'.repeat(128),
      created_at: `2024-01-02T03:04:${second}.${String(i).padStart(6, '0')}Z`,
      updated_at: `2024-02-03T04:05:${second}.000000Z`,
      deleted: false,
      deleted_at: null,
      tags: i % 3 === 0 ? [] : ['a', `tag ${i}`, 'ünï'],
      properties,
      has_data: i % 4 !== 0,
    };
    images.push(i % 2 === 0 ? Object.freeze(image) : image);
  }
  return images;
}
