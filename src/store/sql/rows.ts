/**
 * How catalog records sit in SQL rows, shared by every SQL backend: flags are 0/1 integers, times are
 * catalog timestamp text (which sorts as the times do), tags and properties are JSON text (which keeps
 * their order, as both APIs render them).
 */
import type { Image, ImageMember } from '../../catalog/image.js';
import type { Project, Token, User } from '../../identity/model.js';

/** An image as its row holds it: the columns the SQL types cannot hold as the model does, converted. */
export interface ImageRow extends Omit<Image, 'status' | 'visibility' | 'protected' | 'os_hidden' | 'deleted' | 'has_data' | 'tags' | 'properties'> {
  status: string;
  visibility: string;
  protected: number;
  os_hidden: number;
  deleted: number;
  has_data: number;
  tags: string;
  properties: string;
}

export interface MemberRow {
  member: string;
  status: string;
  can_share: number;
  created_at: string;
  updated_at: string;
}

/** A member's row, added only when the image does not have that member yet (`?` placeholders, then ON CONFLICT). */
export const NEW_MEMBER_SQL =
  'INSERT INTO members (image_id, member, status, can_share, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (image_id, member) DO NOTHING';

/** `Store.unfinishedUploads`: images in saving with no data recorded, and in uploading with no size recorded. */
export const UNFINISHED_UPLOADS =
  "SELECT id, updated_at, status FROM images WHERE status IN ('saving', 'uploading') AND deleted = 0 " +
  "AND ((status = 'saving' AND has_data = 0) OR (status = 'uploading' AND size IS NULL))";

/** The images in each status: the status index answers it without reading the table. */
export const COUNT_BY_STATUS = 'SELECT status, count(*) AS n FROM images GROUP BY status';

export interface StatusCount {
  status: string;
  n: number | string;
}

/** Status counts as a record; PostgreSQL's count is a bigint, which its driver hands over as text. */
export function countsOf(rows: StatusCount[]): Record<string, number> {
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** The cheapest read that still reaches the image table (a health check's). */
export const PING = 'SELECT 1 FROM images LIMIT 1';

export const memberParams = (imageId: string, m: ImageMember) => [imageId, m.member, m.status, m.can_share ? 1 : 0, m.created_at, m.updated_at];

export const COLUMNS = [
  'id', 'name', 'status', 'visibility', 'owner', 'protected', 'os_hidden', 'min_ram', 'min_disk', 'size',
  'virtual_size', 'disk_format', 'container_format', 'checksum', 'os_hash_algo', 'os_hash_value', 'created_at',
  'updated_at', 'deleted', 'deleted_at', 'tags', 'properties', 'has_data',
] as const;

export function toImage(row: ImageRow): Image {
  return {
    ...row,
    status: row.status as Image['status'],
    visibility: row.visibility as Image['visibility'],
    protected: row.protected === 1,
    os_hidden: row.os_hidden === 1,
    deleted: row.deleted === 1,
    has_data: row.has_data === 1,
    tags: JSON.parse(row.tags) as string[],
    properties: JSON.parse(row.properties) as Record<string, string>,
  };
}

export function toRow(image: Image): ImageRow {
  return {
    ...image,
    protected: image.protected ? 1 : 0,
    os_hidden: image.os_hidden ? 1 : 0,
    deleted: image.deleted ? 1 : 0,
    has_data: image.has_data ? 1 : 0,
    tags: JSON.stringify(image.tags),
    properties: JSON.stringify(image.properties),
  };
}

export function toMember(row: MemberRow): ImageMember {
  // Field by field: the rows come from SELECT *, whose image_id is not part of an ImageMember.
  return {
    member: row.member,
    status: row.status as ImageMember['status'],
    can_share: row.can_share === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export interface ProjectRow extends Omit<Project, 'enabled'> {
  enabled: number;
}

export interface UserRow extends Omit<User, 'enabled'> {
  enabled: number;
}

export interface TokenRow extends Omit<Token, 'roles' | 'methods' | 'audit_ids' | 'revoked'> {
  roles: string;
  methods: string;
  audit_ids: string;
  revoked: number;
}

export const toProject = (row: ProjectRow): Project => ({ ...row, enabled: row.enabled === 1 });
export const toUser = (row: UserRow): User => ({ ...row, enabled: row.enabled === 1 });

export function toToken(row: TokenRow): Token {
  return {
    ...row,
    roles: JSON.parse(row.roles) as string[],
    methods: JSON.parse(row.methods) as string[],
    audit_ids: JSON.parse(row.audit_ids) as string[],
    revoked: row.revoked === 1,
  };
}

/**
 * The UPDATE of an image's changed attributes (`?` placeholders), guarded by its `updated_at` when
 * given; no SQL when nothing in `changes` is a column.
 */
export function updateSql(id: string, changes: Partial<Omit<Image, 'id'>>, ifUpdatedAt?: string): { sql: string | null; params: unknown[] } {
  const row = toRow({ ...changes, id } as Image);
  const keys = (Object.keys(changes) as (keyof ImageRow)[]).filter((k) => k !== 'id' && (COLUMNS as readonly string[]).includes(k));
  if (keys.length === 0) return { sql: null, params: [] };
  const params: unknown[] = [...keys.map((k) => row[k]), id];
  let sql = `UPDATE images SET ${keys.map((k) => `${k} = ?`).join(', ')} WHERE id = ?`;
  if (ifUpdatedAt !== undefined) {
    sql += ' AND updated_at = ?';
    params.push(ifUpdatedAt);
  }
  return { sql, params };
}
