/**
 * Who may do what with images: the image service's policy rules (`glance/policies/image.py`) and how its API
 * layer enforces them (`glance/api/v2/policy.py`), in one table per mode.
 * - `secure`: the secure-RBAC defaults current OpenStack releases enforce (`enforce_secure_rbac` and the new
 *   defaults): reader reads, member writes its project's images, admin everything. The rules decide alone.
 * - `legacy`: what the recorded Zed deployment ran. Every rule passes but publicize_image (admin only), and the
 *   image service's hard-coded owner check decides instead: any role on the owner's project writes.
 * Rules look only at an image the caller can already see (see `visibility.ts`); the compute API has no rules of
 * its own, as Nova has none for images: it answers what the image service decides.
 */
import type { RequestContext } from '../identity/context.js';
import { forbidden, policyForbids, unexplainedNotFound } from './errors.js';
import type { Image, Visibility } from './image.js';
import { canModify } from './visibility.js';

export const POLICY_MODES = ['secure', 'legacy'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** The image policies Glint enforces, by the image service's names. */
export type ImageRule =
  | 'add_image'
  | 'get_image'
  | 'get_images'
  | 'modify_image'
  | 'publicize_image'
  | 'communitize_image'
  | 'delete_image'
  | 'download_image'
  | 'upload_image'
  | 'copy_image'
  | 'deactivate'
  | 'reactivate'
  | 'add_member'
  | 'get_member'
  | 'get_members'
  | 'modify_member'
  | 'delete_member';

/** What a rule reads of an image, as the image service's policy target holds it. */
type Target = Pick<Image, 'owner' | 'visibility'>;

type Check = (ctx: RequestContext, image: Target) => boolean;

const role = (name: string): Check => (ctx) => ctx.roles.includes(name);
const any = (...checks: Check[]): Check => (ctx, image) => checks.some((check) => check(ctx, image));
const all = (...checks: Check[]): Check => (ctx, image) => checks.every((check) => check(ctx, image));
const pass: Check = () => true;

const admin = role('admin');
/** `project_id:%(project_id)s`: the caller's project owns the image. */
const ownProject: Check = (ctx, image) => image.owner !== null && image.owner === ctx.projectId;
/**
 * `project_id:%(member_id)s`: the image service sets the target's member to the caller's project for a shared
 * image it does not own, and only its members (or an admin) can see one.
 */
const sharedWith: Check = (ctx, image) => image.visibility === 'shared' && image.owner !== ctx.projectId;
const openToOthers: Check = (_ctx, image) => image.visibility === 'community' || image.visibility === 'public' || image.visibility === 'shared';

const ADMIN_OR_PROJECT_MEMBER = any(admin, all(role('member'), ownProject));

const SECURE: Record<ImageRule, Check> = {
  // The target's project is the owner asked for.
  add_image: ADMIN_OR_PROJECT_MEMBER,
  get_image: any(admin, all(role('reader'), any(ownProject, sharedWith, openToOthers))),
  // The target is the caller's own project: any reader lists.
  get_images: any(admin, role('reader')),
  modify_image: ADMIN_OR_PROJECT_MEMBER,
  publicize_image: admin,
  communitize_image: ADMIN_OR_PROJECT_MEMBER,
  delete_image: ADMIN_OR_PROJECT_MEMBER,
  download_image: any(admin, all(role('member'), any(ownProject, sharedWith, openToOthers))),
  upload_image: ADMIN_OR_PROJECT_MEMBER,
  copy_image: admin,
  deactivate: ADMIN_OR_PROJECT_MEMBER,
  reactivate: ADMIN_OR_PROJECT_MEMBER,
  add_member: ADMIN_OR_PROJECT_MEMBER,
  get_member: any(admin, all(role('reader'), any(ownProject, sharedWith))),
  get_members: any(admin, all(role('reader'), any(ownProject, sharedWith))),
  modify_member: any(admin, all(role('member'), sharedWith)),
  delete_member: ADMIN_OR_PROJECT_MEMBER,
};

/** The deprecated defaults (`rule:default`, empty) pass; publicize_image and copy_image never had one. */
const LEGACY: Record<ImageRule, Check> = {
  ...(Object.fromEntries(Object.keys(SECURE).map((rule) => [rule, pass])) as Record<ImageRule, Check>),
  publicize_image: admin,
  copy_image: admin,
};

/** The image service's refusal of a rule (of images or metadata definitions): its words, the rule named. */
export const ruleRefused = (rule: string) => forbidden(`You are not authorized to complete ${rule} action.`);

/**
 * A table of rules, enforced as the reference's API policy layers enforce theirs: a refused rule is 403 naming
 * it, or a bare 404 to a caller who may not even read the target (`readRule`) and so learns nothing of it.
 */
export class RuleTable<Rule extends string, T> {
  constructor(
    private readonly rules: Record<Rule, (ctx: RequestContext, target: T) => boolean>,
    private readonly readRule: Rule,
  ) {}

  allows(ctx: RequestContext, rule: Rule, target: T): boolean {
    return this.rules[rule](ctx, target);
  }

  enforce(ctx: RequestContext, rule: Rule, target: T): void {
    if (this.allows(ctx, rule, target)) return;
    if (rule === this.readRule || !this.allows(ctx, this.readRule, target)) throw unexplainedNotFound();
    throw ruleRefused(rule);
  }
}

export class ImagePolicy extends RuleTable<ImageRule, Target> {
  constructor(readonly mode: PolicyMode) {
    super(mode === 'secure' ? SECURE : LEGACY, 'get_image');
  }

  /**
   * A rule on changing the image, and in legacy mode the owner check that stands in for the rules there
   * (`check_is_image_mutable`): only its owner's project or an admin changes an image. Some calls word that
   * check's refusal their own way (`notOwner`).
   */
  enforceChange(ctx: RequestContext, rule: ImageRule, image: Image, notOwner = 'You do not own this image'): void {
    this.enforce(ctx, rule, image);
    if (this.mode === 'legacy' && !canModify(ctx, image)) throw forbidden(notOwner);
  }

  /**
   * Whether the caller may manage a shared image's members at all, before any rule (legacy mode's owner checks,
   * `_check_visibility_and_ownership`): the owner's project adds and removes members, the others answer for
   * themselves. The rules decide alone in secure mode.
   */
  managesMembers(ctx: RequestContext, image: Target, call: 'create' | 'update' | 'delete'): boolean {
    if (this.mode === 'secure' || ctx.isAdmin) return true;
    const owner = image.owner !== null && image.owner === ctx.projectId;
    return call === 'update' ? !owner : owner;
  }

  /** The rule a visibility of an image takes (`_enforce_image_visibility`): public and community have their own. */
  enforceVisibility(ctx: RequestContext, visibility: unknown, image: Target): void {
    const rule = visibility === 'public' ? 'publicize_image' : visibility === 'community' ? 'communitize_image' : null;
    if (rule && !this.allows(ctx, rule, image)) throw ruleRefused(rule);
  }

  /**
   * Creating an image owned by `owner` (`ImageAPIPolicy.add_image`): a refusal for another project's image says
   * so in the older words, under the standard explanation; then the visibility's own rule; then, in legacy
   * mode, the owner check that stands in for add_image there.
   */
  enforceCreation(ctx: RequestContext, owner: string | null, visibility: Visibility | undefined): void {
    const target: Target = { owner, visibility: visibility ?? 'private' };
    // Python's words for no owner.
    const named = owner ?? 'None';
    if (!this.allows(ctx, 'add_image', target)) {
      throw owner !== ctx.projectId ? policyForbids(`You are not permitted to create images owned by '${named}'`) : ruleRefused('add_image');
    }
    if (visibility !== undefined) this.enforceVisibility(ctx, visibility, target);
    if (this.mode === 'legacy' && owner !== ctx.projectId && !ctx.isAdmin) {
      throw forbidden(`You are not permitted to create images owned by '${named}'.`);
    }
  }

  /**
   * A rule on an image's members (`MemberAPIPolicy`): the caller must be able to get the image (else 404), then
   * pass the rule, whose refusal stays a 403.
   */
  enforceMembers(ctx: RequestContext, rule: ImageRule, image: Target): void {
    this.enforce(ctx, 'get_image', image);
    if (!this.allows(ctx, rule, image)) throw ruleRefused(rule);
  }
}

