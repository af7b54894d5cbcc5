/**
 * Streaming disk-image format inspector, fed while an upload streams to disk.
 *
 * It sees every byte once, in chunks of any size, and keeps only a bounded head
 * of the image plus its last sector, so memory does not grow with image size.
 * The safety checks target what qemu would do with the image: follow a file
 * reference (backing file, external data file, VMDK extent, parent disk) on the
 * host that opens it.
 */

export type DiskFormat = 'raw' | 'qcow2' | 'vmdk' | 'vhd' | 'vhdx' | 'iso';

export interface Inspection {
  format: DiskFormat;            // 'raw' when nothing else is recognised
  virtualSize: number | null;    // bytes; for raw (and iso) the data size
  /** Reasons to refuse the image, in Glance's wording style, e.g. "QCOW2 image has a backing file" */
  unsafe: string[];
}

/**
 * Bytes kept from the start of the image. Enough for a whole qcow2 header
 * cluster (at most 2 MiB), a VMDK descriptor (qemu reads at most 1 MiB - 1)
 * and the VHDX metadata region as qemu-img lays it out (at 2 MiB).
 */
const HEAD_LIMIT = 4 * 1024 * 1024;
const SECTOR = 512;

export class DiskInspector {
  // Grown on demand so small images don't cost the full head limit.
  private head = new Uint8Array(64 * 1024);
  private headLen = 0;
  private readonly tail = new Uint8Array(SECTOR);
  private tailLen = 0;
  private total = 0;

  update(chunk: Uint8Array): void {
    this.total += chunk.length;
    this.keepHead(chunk);
    this.keepTail(chunk);
  }

  finish(): Inspection {
    return inspect(this.head.subarray(0, this.headLen), this.tail.subarray(0, this.tailLen), this.total);
  }

  private keepHead(chunk: Uint8Array): void {
    const n = Math.min(chunk.length, HEAD_LIMIT - this.headLen);
    if (n <= 0) return;
    if (this.headLen + n > this.head.length) {
      const grown = new Uint8Array(Math.min(HEAD_LIMIT, Math.max(this.head.length * 2, this.headLen + n)));
      grown.set(this.head.subarray(0, this.headLen));
      this.head = grown;
    }
    this.head.set(chunk.subarray(0, n), this.headLen);
    this.headLen += n;
  }

  private keepTail(chunk: Uint8Array): void {
    if (chunk.length >= SECTOR) {
      this.tail.set(chunk.subarray(chunk.length - SECTOR));
      this.tailLen = SECTOR;
      return;
    }
    const keep = Math.min(this.tailLen, SECTOR - chunk.length);
    this.tail.copyWithin(0, this.tailLen - keep, this.tailLen);
    this.tail.set(chunk, keep);
    this.tailLen = keep + chunk.length;
  }
}

// Declared formats nobody can check from the bytes (AMI kernels/ramdisks) or that
// we don't inspect; the unsafe list still applies to them.
const UNCHECKED = new Set(['ami', 'ari', 'aki', 'vdi', 'ploop']);

/** Whether a declared Glance disk_format is compatible with the detected format (e.g. disk_format 'raw' with a detected qcow2 is NOT; 'ami'/'ari'/'aki' and 'vdi'/'ploop' and null are not checked). */
export function formatMatches(declared: string | null, detected: DiskFormat): boolean {
  if (declared === null || UNCHECKED.has(declared)) return true;
  // An ISO is raw data with a filesystem signature (hybrid ISOs boot as raw disks,
  // UDF-only discs have no CD001), and both are opened as raw: either accepts either.
  const rawLike = (format: string) => format === 'raw' || format === 'iso';
  if (rawLike(declared)) return rawLike(detected);
  return declared === detected;
}

/** The formats whose virtual size the image service reads from the data it receives (`format_inspector.ALL_FORMATS`, those Glint knows). */
const SIZED = new Set<string>(['qcow2', 'vhd', 'vhdx', 'vmdk']);

/**
 * The virtual size the image service records for uploaded data without inspection (`ImageProxy.set_data`): only
 * for a bare container, read as the declared disk format says; raw data is as large as it is, other formats only
 * when the data is of that format. Null where it records none (an ISO, an AMI, data of another format).
 */
export function declaredVirtualSize(diskFormat: string | null, containerFormat: string | null, inspection: Inspection, size: number): number | null {
  if (containerFormat !== 'bare') return null;
  if (diskFormat === 'raw') return size || null;
  if (diskFormat === null || !SIZED.has(diskFormat) || inspection.format !== diskFormat) return null;
  return inspection.virtualSize || null;
}

function inspect(head: Uint8Array, tail: Uint8Array, total: number): Inspection {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const iso = startsWith(head, 0x8001, 'CD001');
  // Formats qemu probes from the first bytes; a CD001 as well makes it a polyglot.
  const probed = qcow2(head, view) ?? vmdk(head, view, total) ?? vhdx(head, view) ?? vhd(head);
  if (probed) {
    if (iso) probed.unsafe.push(`Image matches multiple formats: ${probed.format} and iso`);
    return probed;
  }
  // A fixed VHD is raw data plus a footer, so its data may well be an ISO.
  return vhd(tail) ?? { format: iso ? 'iso' : 'raw', virtualSize: total, unsafe: [] };
}

const QCOW2_DATA_FILE_EXTENSION = 0x44415441;
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;
const QCOW2_INCOMPAT_KNOWN = (1n << 5n) - 1n; // dirty, corrupt, data file, compression type, extended L2

function qcow2(head: Uint8Array, view: DataView): Inspection | null {
  if (!startsWith(head, 0, 'QFI\xfb')) return null;
  const result: Inspection = { format: 'qcow2', virtualSize: null, unsafe: [] };
  const version = head.length >= 8 ? view.getUint32(4) : 0;
  const headerLength = version === 3 ? 104 : 72;
  if (head.length < headerLength) {
    result.unsafe.push('QCOW2 image header is truncated');
    return result;
  }
  if (version !== 2 && version !== 3) {
    result.unsafe.push(`QCOW2 image has unsupported version ${version}`);
    return result;
  }
  if (view.getBigUint64(8) !== 0n) result.unsafe.push('QCOW2 image has a backing file');
  result.virtualSize = safeNumber(view.getBigUint64(24));
  const incompatible = version === 3 ? view.getBigUint64(72) : 0n;
  // Extensions run from the end of the header to the end of the first cluster;
  // qemu only accepts clusters of 512 bytes to 2 MiB.
  const extensionsStart = version === 3 ? view.getUint32(100) : 72;
  const clusterSize = 2 ** Math.min(Math.max(view.getUint32(20), 9), 21);
  if ((incompatible & QCOW2_INCOMPAT_DATA_FILE) !== 0n
    || qcow2HasExtension(view, extensionsStart, clusterSize, QCOW2_DATA_FILE_EXTENSION)) {
    result.unsafe.push('QCOW2 image has an external data file');
  }
  if ((incompatible & ~QCOW2_INCOMPAT_KNOWN) !== 0n) result.unsafe.push('QCOW2 image has unknown incompatible features');
  return result;
}

function qcow2HasExtension(view: DataView, start: number, end: number, wanted: number): boolean {
  const limit = Math.min(end, view.byteLength);
  for (let offset = start; offset + 8 <= limit;) {
    const type = view.getUint32(offset);
    if (type === 0) return false;
    if (type === wanted) return true;
    offset += 8 + Math.ceil(view.getUint32(offset + 4) / 8) * 8; // data is padded to 8 bytes
  }
  return false;
}

const VMDK_EXTERNAL = 'VMDK descriptor references an external file';
// qemu reads at most this much descriptor, and stops at the first NUL.
const VMDK_DESCRIPTOR_MAX = (1 << 20) - 1;

function vmdk(head: Uint8Array, view: DataView, total: number): Inspection | null {
  if (startsWith(head, 0, 'KDMV')) return sparseVmdk(head, view, total);
  if (!isVmdkDescriptor(head)) return null;
  const result: Inspection = { format: 'vmdk', virtualSize: null, unsafe: [] };
  // A stand-alone descriptor holds no data; only ZERO extents need no other file.
  checkDescriptor(result, readDescriptor(head, 0, total), ['ZERO']);
  return result;
}

function sparseVmdk(head: Uint8Array, view: DataView, total: number): Inspection {
  const result: Inspection = { format: 'vmdk', virtualSize: null, unsafe: [] };
  if (head.length < 44) {
    result.unsafe.push('VMDK image header is truncated');
    return result;
  }
  const capacity = view.getBigUint64(12, true);
  const descriptorSector = view.getBigUint64(28, true);
  if (descriptorSector !== 0n) {
    const start = safeNumber(descriptorSector * BigInt(SECTOR));
    const text = start === null ? null : readDescriptor(head, start, total);
    // With capacity 0 qemu opens the embedded descriptor's extents like a stand-alone
    // descriptor; otherwise its single SPARSE extent is this file itself.
    checkDescriptor(result, text, capacity === 0n ? ['ZERO'] : ['SPARSE', 'ZERO']);
  }
  if (capacity !== 0n || descriptorSector === 0n) result.virtualSize = safeNumber(capacity * BigInt(SECTOR));
  return result;
}

/** The descriptor text as qemu would see it, or null when part of it lies beyond the kept head. */
function readDescriptor(head: Uint8Array, start: number, total: number): string | null {
  const end = Math.min(start + VMDK_DESCRIPTOR_MAX, total);
  const bytes = head.subarray(start, end);
  const nul = bytes.indexOf(0);
  if (nul < 0 && end > head.length) return null;
  return latin1(nul < 0 ? bytes : bytes.subarray(0, nul));
}

function checkDescriptor(result: Inspection, text: string | null, selfContained: string[]): void {
  if (text === null) {
    result.unsafe.push('VMDK descriptor could not be inspected');
    return;
  }
  // qemu finds the parent with a plain substring search, comments included.
  let external = text.includes('parentFileNameHint');
  let sectors: bigint | null = 0n;
  for (const line of text.split('\n')) {
    // ACCESS SECTORS TYPE ["FILENAME" [OFFSET]]; read loosely so odd spellings still count.
    const extent = /^\s*(?:RW|RDONLY|NOACCESS)\s+(\S+)\s+(\S+)/.exec(line);
    if (!extent) continue;
    if (!selfContained.includes(extent[2])) external = true;
    sectors = sectors !== null && /^\d+$/.test(extent[1]) ? sectors + BigInt(extent[1]) : null;
  }
  if (external) result.unsafe.push(VMDK_EXTERNAL);
  result.virtualSize = sectors === null ? null : safeNumber(sectors * BigInt(SECTOR));
}

/** "# Disk DescriptorFile", or what qemu's probe accepts: comment or blank-with-spaces lines, then version=1|2|3. */
function isVmdkDescriptor(head: Uint8Array): boolean {
  const start = latin1(head.subarray(0, 2048));
  return start.startsWith('# Disk DescriptorFile') || /^(?:#[^\n]*\n| +\r?\n)*version=[123]\r?\n/.test(start);
}

function vhd(footer: Uint8Array): Inspection | null {
  if (footer.length < SECTOR || !startsWith(footer, 0, 'conectix')) return null;
  const view = new DataView(footer.buffer, footer.byteOffset, SECTOR);
  const differencing = view.getUint32(60) === 4;
  return {
    format: 'vhd',
    virtualSize: safeNumber(view.getBigUint64(48)),
    unsafe: differencing ? ['VHD image has a parent disk'] : [],
  };
}

const VHDX_REGION_TABLE = 0x30000; // the first of the two copies, at 192 KiB
const VHDX_METADATA_REGION = '8B7CA206-4790-4B9A-B8FE-575F050F886E';
const VHDX_VIRTUAL_DISK_SIZE = '2FA54224-CD1B-4876-B211-5DBED83BF4B8';
const VHDX_PARENT_LOCATOR = 'A8D35F2D-B30B-454D-ABF7-D3D84834AB0C';

function vhdx(head: Uint8Array, view: DataView): Inspection | null {
  if (!startsWith(head, 0, 'vhdxfile')) return null;
  const result: Inspection = { format: 'vhdx', virtualSize: null, unsafe: [] };
  for (const item of vhdxMetadataItems(head, view)) {
    if (item.id === VHDX_PARENT_LOCATOR) result.unsafe.push('VHDX image has a parent disk');
    if (item.id === VHDX_VIRTUAL_DISK_SIZE && item.offset + 8 <= head.length) {
      result.virtualSize = safeNumber(view.getBigUint64(item.offset, true));
    }
  }
  return result;
}

/** Metadata items with absolute offsets; empty when the metadata region is not within the head. */
function vhdxMetadataItems(head: Uint8Array, view: DataView): Array<{ id: string; offset: number }> {
  if (!startsWith(head, VHDX_REGION_TABLE, 'regi') || head.length < VHDX_REGION_TABLE + 16) return [];
  const regions = view.getUint32(VHDX_REGION_TABLE + 8, true);
  for (let i = 0; i < regions && VHDX_REGION_TABLE + 48 + i * 32 <= head.length; i++) {
    const entry = VHDX_REGION_TABLE + 16 + i * 32;
    if (guidAt(head, entry) !== VHDX_METADATA_REGION) continue;
    const region = safeNumber(view.getBigUint64(entry + 16, true));
    if (region === null || !startsWith(head, region, 'metadata') || region + 32 > head.length) return [];
    const count = view.getUint16(region + 10, true);
    const items = [];
    for (let j = 0; j < count && region + 64 + j * 32 <= head.length; j++) {
      const item = region + 32 + j * 32;
      items.push({ id: guidAt(head, item), offset: region + view.getUint32(item + 16, true) });
    }
    return items;
  }
  return [];
}

/** A GUID in Microsoft's on-disk layout: the first three fields little-endian. */
function guidAt(bytes: Uint8Array, offset: number): string {
  const hex = (order: number[]) => order.map((i) => bytes[offset + i].toString(16).padStart(2, '0')).join('');
  return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex([10, 11, 12, 13, 14, 15])]
    .join('-').toUpperCase();
}

function startsWith(bytes: Uint8Array, offset: number, ascii: string): boolean {
  if (offset + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[offset + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

// Sizes are u64 on disk; beyond 2^53 a number would silently round, so report unknown.
function safeNumber(value: bigint): number | null {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}
