import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredVirtualSize, DiskInspector, formatMatches, type DiskFormat, type Inspection } from './inspector.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** A zeroed image of `size` bytes with a DataView and an ASCII writer. */
function blank(size: number) {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => bytes.set(Buffer.from(text, 'latin1'), offset);
  return { bytes, view, ascii };
}

function feed(bytes: Uint8Array, chunkSize: number): Inspection {
  const inspector = new DiskInspector();
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    inspector.update(bytes.subarray(offset, offset + chunkSize));
  }
  return inspector.finish();
}

/** The same result however the image is chunked (byte by byte only for small images, to stay fast). */
function assertInspects(bytes: Uint8Array, expected: Inspection): void {
  const sizes = [7, 4093, bytes.length || 1];
  if (bytes.length <= 64 * KiB) sizes.unshift(1);
  for (const size of sizes) assert.deepEqual(feed(bytes, size), expected, `chunks of ${size}`);
}

function qcow2(options: { version: 2 | 3; size: bigint; backing?: string; incompatible?: bigint; dataFile?: string }) {
  const { bytes, view, ascii } = blank(8 * KiB);
  ascii(0, 'QFI\xfb');
  view.setUint32(4, options.version);
  view.setUint32(20, 12); // 4 KiB clusters
  view.setBigUint64(24, options.size);
  let extensions = 72;
  if (options.version === 3) {
    view.setBigUint64(72, options.incompatible ?? 0n);
    view.setUint32(96, 4); // refcount order
    view.setUint32(100, 104); // header length
    extensions = 104;
  }
  if (options.dataFile) {
    view.setUint32(extensions, 0x44415441);
    view.setUint32(extensions + 4, options.dataFile.length);
    ascii(extensions + 8, options.dataFile);
    extensions += 8 + Math.ceil(options.dataFile.length / 8) * 8;
  }
  view.setUint32(extensions, 0); // end of extensions
  if (options.backing) {
    view.setBigUint64(8, 0x200n);
    view.setUint32(16, options.backing.length);
    ascii(0x200, options.backing);
  }
  bytes.fill(0xab, 4 * KiB); // some "data" after the header cluster
  return bytes;
}

test('qcow2 v2 and v3 headers give the virtual size', () => {
  for (const version of [2, 3] as const) {
    assertInspects(qcow2({ version, size: 10n * BigInt(GiB) }), { format: 'qcow2', virtualSize: 10 * GiB, unsafe: [] });
  }
});

test('qcow2 with a backing file is unsafe', () => {
  assertInspects(qcow2({ version: 3, size: 1n << 30n, backing: '/etc/shadow' }), {
    format: 'qcow2', virtualSize: GiB, unsafe: ['QCOW2 image has a backing file'],
  });
});

test('qcow2 v3 with an external data file (feature bit or extension) is unsafe', () => {
  const expected = { format: 'qcow2' as const, virtualSize: GiB, unsafe: ['QCOW2 image has an external data file'] };
  assertInspects(qcow2({ version: 3, size: 1n << 30n, incompatible: 1n << 2n }), expected);
  assertInspects(qcow2({ version: 3, size: 1n << 30n, dataFile: '/dev/sda' }), expected);
  assertInspects(qcow2({ version: 3, size: 1n << 30n, incompatible: 1n << 2n, dataFile: '/dev/sda' }), expected);
});

test('qcow2 with unknown incompatible features, a bad version or a truncated header is unsafe', () => {
  assert.deepEqual(feed(qcow2({ version: 3, size: 1n << 30n, incompatible: 1n << 9n }), 7).unsafe,
    ['QCOW2 image has unknown incompatible features']);
  const v4 = qcow2({ version: 3, size: 1n << 30n });
  new DataView(v4.buffer).setUint32(4, 4);
  assert.deepEqual(feed(v4, 7), { format: 'qcow2', virtualSize: null, unsafe: ['QCOW2 image has unsupported version 4'] });
  assert.deepEqual(feed(qcow2({ version: 3, size: 1n << 30n }).subarray(0, 80), 7),
    { format: 'qcow2', virtualSize: null, unsafe: ['QCOW2 image header is truncated'] });
});

function sparseVmdk(capacitySectors: bigint, descriptor: string) {
  const { bytes, view, ascii } = blank(16 * KiB);
  ascii(0, 'KDMV');
  view.setUint32(4, 1, true);
  view.setBigUint64(12, capacitySectors, true);
  view.setBigUint64(20, 128n, true); // grain size
  view.setBigUint64(28, 1n, true); // descriptor at sector 1
  view.setBigUint64(36, 20n, true);
  ascii(512, descriptor);
  return bytes;
}

const descriptor = (createType: string, extents: string, extra = '') =>
  `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n${extra}createType="${createType}"\n\n`
  + `# Extent description\n${extents}\n\nddb.virtualHWVersion = "4"\n`;

test('sparse VMDK gives the capacity and is safe with its own SPARSE extent', () => {
  assertInspects(sparseVmdk(2048n, descriptor('monolithicSparse', 'RW 2048 SPARSE "disk.vmdk"')),
    { format: 'vmdk', virtualSize: MiB, unsafe: [] });
  const noDescriptor = sparseVmdk(4096n, '');
  new DataView(noDescriptor.buffer).setBigUint64(28, 0n, true);
  assertInspects(noDescriptor, { format: 'vmdk', virtualSize: 2 * MiB, unsafe: [] });
});

test('sparse VMDK whose embedded descriptor reaches other files is unsafe', () => {
  const unsafe = ['VMDK descriptor references an external file'];
  assertInspects(sparseVmdk(2048n, descriptor('monolithicSparse', 'RW 2048 SPARSE "disk.vmdk"',
    'parentFileNameHint="/var/lib/nova/base.vmdk"\n')), { format: 'vmdk', virtualSize: MiB, unsafe });
  assertInspects(sparseVmdk(2048n, descriptor('monolithicSparse', 'RW 2048 FLAT "/etc/passwd" 0')),
    { format: 'vmdk', virtualSize: MiB, unsafe });
  // Capacity 0 makes qemu open the extents named in the embedded descriptor.
  assertInspects(sparseVmdk(0n, descriptor('monolithicSparse', 'RW 4096 SPARSE "disk.vmdk"')),
    { format: 'vmdk', virtualSize: 2 * MiB, unsafe });
});

test('sparse VMDK whose descriptor lies beyond the inspected head is unsafe', () => {
  const { bytes, view, ascii } = blank(5 * MiB);
  ascii(0, 'KDMV');
  view.setBigUint64(12, 2048n, true);
  view.setBigUint64(28, BigInt((4 * MiB + 512) / 512), true);
  ascii(4 * MiB + 512, descriptor('monolithicSparse', 'RW 2048 FLAT "/etc/passwd" 0'));
  assert.deepEqual(feed(bytes, 64 * KiB),
    { format: 'vmdk', virtualSize: MiB, unsafe: ['VMDK descriptor could not be inspected'] });
});

const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

test('VMDK text descriptor: only ZERO extents are self-contained', () => {
  assertInspects(text(descriptor('monolithicFlat', 'RW 2048 ZERO\nRW 2048 ZERO')),
    { format: 'vmdk', virtualSize: 2 * MiB, unsafe: [] });
  // The flat data always lives in another file, which is what CVE-2024-32498 abused.
  assertInspects(text(descriptor('monolithicFlat', 'RW 2048 FLAT "disk-flat.vmdk" 0\nRW 2048 ZERO')),
    { format: 'vmdk', virtualSize: 2 * MiB, unsafe: ['VMDK descriptor references an external file'] });
  assertInspects(text(descriptor('twoGbMaxExtentSparse', 'RW 4192256 SPARSE "disk-s001.vmdk"')),
    { format: 'vmdk', virtualSize: 4192256 * 512, unsafe: ['VMDK descriptor references an external file'] });
  // Loosely written lines still count: qemu's sscanf would accept a signed sector count.
  assertInspects(text(descriptor('monolithicFlat', '  RW +2048 FLAT "/etc/passwd"')),
    { format: 'vmdk', virtualSize: null, unsafe: ['VMDK descriptor references an external file'] });
});

test('VMDK text descriptor is recognised the way qemu probes it, without the header comment', () => {
  assertInspects(text('# whatever\n  \nversion=1\nRW 2048 FLAT "/dev/sda" 0\n'),
    { format: 'vmdk', virtualSize: MiB, unsafe: ['VMDK descriptor references an external file'] });
  assertInspects(text('\nversion=1\n'), { format: 'raw', virtualSize: 11, unsafe: [] });
});

function vhdFooter(diskType: number, currentSize: bigint): Uint8Array {
  const { bytes, view, ascii } = blank(512);
  ascii(0, 'conectix');
  view.setUint32(8, 2); // features
  view.setUint32(12, 0x00010000); // version 1.0
  view.setBigUint64(16, diskType === 2 ? 0xffffffffffffffffn : 512n); // data offset
  view.setBigUint64(40, currentSize);
  view.setBigUint64(48, currentSize);
  view.setUint32(60, diskType);
  return bytes;
}

test('fixed VHD: footer in the last 512 bytes', () => {
  const image = new Uint8Array(8 * KiB + 512);
  image.fill(0x5a, 0, 8 * KiB);
  image.set(vhdFooter(2, 8n * 1024n), 8 * KiB);
  assertInspects(image, { format: 'vhd', virtualSize: 8 * KiB, unsafe: [] });
});

test('dynamic VHD: footer copy at offset 0; a differencing VHD is unsafe', () => {
  const dynamic = (diskType: number) => {
    const image = new Uint8Array(3 * KiB);
    image.set(vhdFooter(diskType, BigInt(GiB)), 0);
    image.set(new TextEncoder().encode('cxsparse'), 512);
    image.set(vhdFooter(diskType, BigInt(GiB)), image.length - 512);
    return image;
  };
  assertInspects(dynamic(3), { format: 'vhd', virtualSize: GiB, unsafe: [] });
  assertInspects(dynamic(4), { format: 'vhd', virtualSize: GiB, unsafe: ['VHD image has a parent disk'] });
});

/** GUID bytes in the on-disk layout, spelled out so a layout bug in the inspector shows. */
const VHDX_METADATA_REGION = [0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b, 0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e];
const VHDX_BAT_REGION = [0x66, 0x77, 0xc2, 0x2d, 0x23, 0xf6, 0x00, 0x42, 0x9d, 0x64, 0x11, 0x5e, 0x9b, 0xfd, 0x4a, 0x08];
const VHDX_VIRTUAL_DISK_SIZE = [0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48, 0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8];
const VHDX_PARENT_LOCATOR = [0x2d, 0x5f, 0xd3, 0xa8, 0x0b, 0xb3, 0x4d, 0x45, 0xab, 0xf7, 0xd3, 0xd8, 0x48, 0x34, 0xab, 0x0c];

function vhdx(virtualSize: bigint, parent = false): Uint8Array {
  const metadata = MiB;
  const { bytes, view, ascii } = blank(metadata + 64 * KiB + 8);
  ascii(0, 'vhdxfile');
  ascii(0x30000, 'regi');
  view.setUint32(0x30000 + 8, 2, true);
  const region = (entry: number, guid: number[], offset: number) => {
    bytes.set(guid, entry);
    view.setBigUint64(entry + 16, BigInt(offset), true);
    view.setUint32(entry + 24, MiB, true);
    view.setUint32(entry + 28, 1, true); // required
  };
  region(0x30000 + 16, VHDX_BAT_REGION, 2 * MiB);
  region(0x30000 + 48, VHDX_METADATA_REGION, metadata);
  ascii(metadata, 'metadata');
  const items = parent ? [VHDX_VIRTUAL_DISK_SIZE, VHDX_PARENT_LOCATOR] : [VHDX_VIRTUAL_DISK_SIZE];
  view.setUint16(metadata + 10, items.length, true);
  items.forEach((guid, i) => {
    bytes.set(guid, metadata + 32 + i * 32);
    view.setUint32(metadata + 32 + i * 32 + 16, 64 * KiB, true);
    view.setUint32(metadata + 32 + i * 32 + 20, 8, true);
  });
  view.setBigUint64(metadata + 64 * KiB, virtualSize, true);
  return bytes;
}

test('VHDX: identifier alone, then metadata with the virtual disk size', () => {
  const { bytes, ascii } = blank(256 * KiB);
  ascii(0, 'vhdxfile');
  assertInspects(bytes, { format: 'vhdx', virtualSize: null, unsafe: [] });
  assertInspects(vhdx(20n * BigInt(GiB)), { format: 'vhdx', virtualSize: 20 * GiB, unsafe: [] });
  assertInspects(vhdx(BigInt(GiB), true), { format: 'vhdx', virtualSize: GiB, unsafe: ['VHDX image has a parent disk'] });
});

function iso(size: number) {
  const { bytes, ascii } = blank(size);
  bytes[0x8000] = 1; // primary volume descriptor
  ascii(0x8001, 'CD001');
  bytes[0x8006] = 1;
  return bytes;
}

test('ISO 9660: CD001 at 0x8001, size is the data size', () => {
  assertInspects(iso(40 * KiB + 3), { format: 'iso', virtualSize: 40 * KiB + 3, unsafe: [] });
});

test('a qcow2 that is also an ISO is unsafe', () => {
  const polyglot = iso(40 * KiB);
  polyglot.set(qcow2({ version: 3, size: 1n << 30n }).subarray(0, 4 * KiB));
  assertInspects(polyglot, { format: 'qcow2', virtualSize: GiB, unsafe: ['Image matches multiple formats: qcow2 and iso'] });
});

test('anything else is raw, sized by its data', () => {
  let seed = 42;
  const random = Uint8Array.from({ length: 50_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  assertInspects(random, { format: 'raw', virtualSize: 50_000, unsafe: [] });
  assert.deepEqual(new DiskInspector().finish(), { format: 'raw', virtualSize: 0, unsafe: [] });
});

test('300 MiB of zeros stream through in bounded memory', () => {
  const chunk = new Uint8Array(MiB);
  const inspector = new DiskInspector();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 300; i++) inspector.update(chunk);
  const growth = process.memoryUsage().rss - before;
  assert.ok(growth < 32 * MiB, `rss grew by ${(growth / MiB).toFixed(1)} MiB`);
  assert.deepEqual(inspector.finish(), { format: 'raw', virtualSize: 300 * MiB, unsafe: [] });
});

test('formatMatches', () => {
  const cases: Array<[string | null, DiskFormat, boolean]> = [
    [null, 'qcow2', true],
    ['qcow2', 'qcow2', true],
    ['qcow2', 'raw', false],
    ['raw', 'raw', true],
    ['raw', 'qcow2', false],
    ['raw', 'vmdk', false],
    ['raw', 'vhd', false],
    ['raw', 'iso', true],
    ['iso', 'iso', true],
    ['iso', 'raw', true],
    ['iso', 'qcow2', false],
    ['vmdk', 'vmdk', true],
    ['vmdk', 'raw', false],
    ['vhd', 'vhd', true],
    ['vhd', 'vhdx', false],
    ['vhdx', 'vhdx', true],
    ['vhdx', 'vhd', false],
    ['ami', 'qcow2', true],
    ['ari', 'raw', true],
    ['aki', 'raw', true],
    ['vdi', 'raw', true],
    ['ploop', 'raw', true],
    ['QCOW2', 'qcow2', false],
    ['bogus', 'raw', false],
  ];
  for (const [declared, detected, expected] of cases) {
    assert.equal(formatMatches(declared, detected), expected, `${declared} vs ${detected}`);
  }
});

test("the virtual size the image service records: a bare container's data, read as its declared format", () => {
  const qcow2Image = feed(qcow2({ version: 3, size: 5n * BigInt(GiB) }), 4096);
  const rawData = feed(new Uint8Array(10), 10);
  const cases: Array<[string | null, string | null, Inspection, number, number | null]> = [
    ['raw', 'bare', rawData, 10, 10],
    ['raw', 'bare', qcow2Image, 8 * KiB, 8 * KiB],
    ['raw', 'bare', feed(new Uint8Array(0), 1), 0, null],
    ['raw', 'ovf', rawData, 10, null],
    ['raw', null, rawData, 10, null],
    ['qcow2', 'bare', qcow2Image, 8 * KiB, 5 * GiB],
    ['qcow2', 'bare', rawData, 10, null],
    ['iso', 'bare', rawData, 10, null],
    ['ami', 'bare', rawData, 10, null],
    [null, 'bare', rawData, 10, null],
  ];
  for (const [diskFormat, containerFormat, inspection, size, expected] of cases) {
    assert.equal(declaredVirtualSize(diskFormat, containerFormat, inspection, size), expected, `${diskFormat} in ${containerFormat}`);
  }
});
