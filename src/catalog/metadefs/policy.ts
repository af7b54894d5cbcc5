/**
 * Who may do what with metadata definitions (`glance/policies/metadef.py`), and how the image service's API
 * layer enforces it (`MetadefAPIPolicy`).
 * - `secure` (the new defaults): a reader reads what its project owns and public namespaces, an admin everything.
 * - `legacy` (the deprecated defaults the recorded deployment ran): anyone reads.
 * Every write is an admin's in both: those rules never had a deprecated default. Which namespaces a caller can
 * see at all is decided before any rule, as the reference's database layer decides it (`canSeeNamespace`).
 */
import type { RequestContext } from '../../identity/context.js';
import { RuleTable, type PolicyMode } from '../policy.js';
import type { Namespace } from './model.js';

export type MetadefRule =
  | 'get_metadef_namespace' | 'get_metadef_namespaces' | 'add_metadef_namespace' | 'modify_metadef_namespace' | 'delete_metadef_namespace'
  | 'get_metadef_object' | 'get_metadef_objects' | 'add_metadef_object' | 'modify_metadef_object' | 'delete_metadef_object'
  | 'get_metadef_property' | 'get_metadef_properties' | 'add_metadef_property' | 'modify_metadef_property' | 'remove_metadef_property'
  | 'get_metadef_tag' | 'get_metadef_tags' | 'add_metadef_tag' | 'add_metadef_tags' | 'modify_metadef_tag' | 'delete_metadef_tag'
  | 'delete_metadef_tags'
  | 'list_metadef_resource_types' | 'get_metadef_resource_type' | 'add_metadef_resource_type_association'
  | 'remove_metadef_resource_type_association';

/** What a rule reads: the namespace's owner and visibility, or, with no namespace, the caller's own project. */
export type MetadefTarget = Pick<Namespace, 'owner' | 'visibility'> | null;

type Check = (ctx: RequestContext, target: MetadefTarget) => boolean;

const admin: Check = (ctx) => ctx.roles.includes('admin');
const reader = (ctx: RequestContext) => ctx.roles.includes('reader');
const ownProject = (ctx: RequestContext, target: MetadefTarget) => target === null || target.owner === ctx.projectId;
/** `role:admin or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))`. */
const readNamespace: Check = (ctx, target) => admin(ctx, target) || (reader(ctx) && (ownProject(ctx, target) || target?.visibility === 'public'));
const pass: Check = () => true;

const READS = [
  'get_metadef_namespace', 'get_metadef_object', 'get_metadef_objects', 'get_metadef_property', 'get_metadef_properties',
  'get_metadef_tag', 'get_metadef_tags', 'list_metadef_resource_types', 'get_metadef_resource_type',
] as const;
const WRITES = [
  'add_metadef_namespace', 'modify_metadef_namespace', 'delete_metadef_namespace', 'add_metadef_object', 'modify_metadef_object',
  'delete_metadef_object', 'add_metadef_property', 'modify_metadef_property', 'remove_metadef_property', 'add_metadef_tag',
  'add_metadef_tags', 'modify_metadef_tag', 'delete_metadef_tag', 'delete_metadef_tags', 'add_metadef_resource_type_association',
  'remove_metadef_resource_type_association',
] as const;

const table = (read: Check, list: Check): Record<MetadefRule, Check> => ({
  ...(Object.fromEntries(READS.map((rule) => [rule, read])) as Record<(typeof READS)[number], Check>),
  ...(Object.fromEntries(WRITES.map((rule) => [rule, admin])) as Record<(typeof WRITES)[number], Check>),
  get_metadef_namespaces: list,
});

const RULES: Record<PolicyMode, Record<MetadefRule, Check>> = {
  // `role:admin or (role:reader and project_id:%(project_id)s)`, whose project is the caller's own.
  secure: table(readNamespace, (ctx, target) => admin(ctx, target) || reader(ctx)),
  legacy: table(pass, pass),
};

/**
 * Whether a namespace is visible to the caller at all (`_is_namespace_visible`): an admin sees every one,
 * anyone a public one and those their project owns.
 */
export function canSeeNamespace(ctx: RequestContext, namespace: Pick<Namespace, 'owner' | 'visibility'>): boolean {
  return ctx.isAdmin || namespace.visibility === 'public' || namespace.owner === ctx.projectId;
}

export class MetadefPolicy extends RuleTable<MetadefRule, MetadefTarget> {
  constructor(mode: PolicyMode) {
    super(RULES[mode], 'get_metadef_namespace');
  }
}
