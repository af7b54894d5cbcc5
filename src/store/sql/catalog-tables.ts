import { isSnapshotName } from '../../catalog/snapshot-name.js';

/**
 * The tables of the image catalog, as snapshots copy and restore it, each after the tables it refers to. The
 * accounts' tables (projects, users, roles, credentials, tokens) are not among them: a reset or a restore keeps
 * them as they are.
 */
export const CATALOG_TABLES = [
  'images',
  'image_properties',
  'members',
  'upload_leases',
  'tasks',
  'metadef_namespaces',
  'metadef_resource_types',
  'metadef_namespace_resource_types',
  'metadef_objects',
  'metadef_properties',
  'metadef_tags',
] as const;

/** The catalog's tables, each before the tables it refers to: the order to empty them in. */
export const CATALOG_TABLES_DEPENDENTS_FIRST = [...CATALOG_TABLES].reverse();

/** The name, once more checked to be a snapshot's before a store builds a path or a statement of it. */
export function checkedName(name: string): string {
  if (!isSnapshotName(name)) throw new Error(`not a snapshot name: ${JSON.stringify(name)}`);
  return name;
}
