/**
 * Schema versions of the PostgreSQL catalog; entry i moves `schema_version` from i to i + 1. The
 * tables mirror the SQLite catalog's (flags as 0/1, times and JSON as text, see ../sql/rows.ts),
 * with byte-order ("C") collation so text sorts and compares as it does in SQLite.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE images (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C",
    status text COLLATE "C" NOT NULL,
    visibility text COLLATE "C" NOT NULL,
    owner text COLLATE "C",
    protected integer NOT NULL DEFAULT 0,
    os_hidden integer NOT NULL DEFAULT 0,
    min_ram integer NOT NULL DEFAULT 0,
    min_disk integer NOT NULL DEFAULT 0,
    size bigint,
    virtual_size bigint,
    disk_format text COLLATE "C",
    container_format text COLLATE "C",
    checksum text COLLATE "C",
    os_hash_algo text COLLATE "C",
    os_hash_value text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    deleted integer NOT NULL DEFAULT 0,
    deleted_at text COLLATE "C",
    tags text NOT NULL DEFAULT '[]',
    properties text NOT NULL DEFAULT '{}',
    has_data integer NOT NULL DEFAULT 0
  );
  -- The list order and the keyset every page continues from, covering the default list scope and
  -- the compute filters, so a page is found from the index alone.
  CREATE INDEX images_order ON images (created_at DESC, id DESC)
    INCLUDE (updated_at, deleted, status, os_hidden, visibility, owner, min_ram, min_disk);
  CREATE INDEX images_name ON images (name);
  CREATE INDEX images_status ON images (status);
  CREATE INDEX images_updated_at ON images (updated_at);
  CREATE INDEX images_owner ON images (owner, visibility);
  -- Properties are kept in order as JSON on the row for rendering; this table serves the filters.
  CREATE TABLE image_properties (
    image_id text COLLATE "C" NOT NULL REFERENCES images (id),
    key text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL
  );
  CREATE INDEX image_properties_image ON image_properties (image_id);
  CREATE INDEX image_properties_key_value ON image_properties (key, value);
  CREATE TABLE members (
    image_id text COLLATE "C" NOT NULL REFERENCES images (id),
    member text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL,
    can_share integer NOT NULL DEFAULT 0,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (image_id, member)
  );
  CREATE INDEX members_member ON members (member, status);
  -- Moves with every change to the three tables above, in the same transaction: the catalog version
  -- every process's caches are keyed by.
  CREATE TABLE catalog_revision (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    revision bigint NOT NULL
  );
  INSERT INTO catalog_revision (revision) VALUES (0);

  CREATE TABLE projects (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    enabled integer NOT NULL DEFAULT 1,
    created_at text COLLATE "C" NOT NULL
  );
  CREATE TABLE users (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    enabled integer NOT NULL DEFAULT 1,
    password_hash text,
    failed_logins integer NOT NULL DEFAULT 0,
    last_failed_at text COLLATE "C",
    created_at text COLLATE "C" NOT NULL
  );
  CREATE TABLE roles (
    id text COLLATE "C" PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE
  );
  CREATE TABLE role_assignments (
    user_id text COLLATE "C" NOT NULL REFERENCES users (id),
    project_id text COLLATE "C" NOT NULL REFERENCES projects (id),
    role_id text COLLATE "C" NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, project_id, role_id)
  );
  CREATE TABLE tokens (
    hash text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    project_id text COLLATE "C",
    roles text NOT NULL,
    methods text NOT NULL,
    audit_ids text NOT NULL,
    issued_at text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    revoked integer NOT NULL DEFAULT 0
  );
  CREATE INDEX tokens_expires_at ON tokens (expires_at);
  CREATE TABLE credentials (
    access text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL REFERENCES users (id),
    sealed_secret text NOT NULL,
    created_at text COLLATE "C" NOT NULL
  );
  `,
  // Native lists sorted by an attribute walk its index (PostgreSQL sorts only the ties, incrementally).
  // NULLS FIRST as the list order has them: read forwards for ascending, backwards for descending.
  `
  DROP INDEX images_name;
  CREATE INDEX images_name ON images (name NULLS FIRST);
  CREATE INDEX images_size ON images (size NULLS FIRST);
  CREATE INDEX images_disk_format ON images (disk_format NULLS FIRST);
  CREATE INDEX images_container_format ON images (container_format NULLS FIRST);
  `,
  // The list scope's share check and the changes-since walk read these indexes alone: a member's
  // accepted shares (which PostgreSQL gathers into a hash once per query), and the images changed
  // since a recent bound with every column the list's conditions test.
  `
  DROP INDEX members_member;
  CREATE INDEX members_member ON members (member, status, image_id);
  DROP INDEX images_updated_at;
  CREATE INDEX images_updated_at ON images (updated_at)
    INCLUDE (deleted, status, os_hidden, visibility, owner, min_ram, min_disk, created_at, id);
  `,
  // Which process receives each upload under way, so an instance starting on a shared catalog gives back only
  // the uploads nobody receives any more.
  `
  CREATE TABLE upload_leases (
    image_id text COLLATE "C" PRIMARY KEY REFERENCES images (id),
    holder text NOT NULL,
    expires_at text COLLATE "C" NOT NULL
  );
  `,
  // A property's value may be longer than a B-tree entry can be (about 2.7 KB; the reference keeps up to
  // 64 KiB): a hash index keeps only its hash, and the property filters ask for equality alone.
  `
  DROP INDEX image_properties_key_value;
  CREATE INDEX image_properties_value ON image_properties USING hash (value);
  `,
  // A hash index keeps all entries of one value in one bucket, and an insert walks that bucket's pages: with
  // a value that a million images share (architecture x86_64), each insert read thousands of pages and a load
  // took minutes to build the index. A B-tree over the key and a digest of the value is as short, and
  // holds many equal entries well; the property filters test the digest, then the value. Without the
  // statistics, the planner would take the two tests as independent and expect almost no image to match.
  `
  DROP INDEX image_properties_value;
  CREATE INDEX image_properties_key_value ON image_properties (key, md5(value));
  CREATE STATISTICS image_properties_digest (dependencies) ON value, (md5(value)) FROM image_properties;
  `,
  // Metadata definitions (Glance's metadef tables). Each row has a number of its own: lists order by it where
  // the reference orders by its own (tags and namespaces made in the same instant, associations as made).
  `
  CREATE TABLE metadef_namespaces (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace text COLLATE "C" NOT NULL UNIQUE,
    display_name text COLLATE "C",
    description text COLLATE "C",
    visibility text COLLATE "C",
    protected integer,
    owner text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C"
  );
  CREATE INDEX metadef_namespaces_owner ON metadef_namespaces (owner);
  CREATE TABLE metadef_resource_types (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    protected integer NOT NULL DEFAULT 0,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C"
  );
  CREATE TABLE metadef_namespace_resource_types (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace_id bigint NOT NULL REFERENCES metadef_namespaces (id),
    resource_type_id bigint NOT NULL REFERENCES metadef_resource_types (id),
    properties_target text COLLATE "C",
    prefix text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C",
    UNIQUE (namespace_id, resource_type_id)
  );
  CREATE INDEX metadef_namespace_resource_types_type ON metadef_namespace_resource_types (resource_type_id);
  CREATE TABLE metadef_objects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace_id bigint NOT NULL REFERENCES metadef_namespaces (id),
    name text COLLATE "C" NOT NULL,
    description text,
    required text,
    json_schema text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C",
    UNIQUE (namespace_id, name)
  );
  CREATE TABLE metadef_properties (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace_id bigint NOT NULL REFERENCES metadef_namespaces (id),
    name text COLLATE "C" NOT NULL,
    json_schema text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C",
    UNIQUE (namespace_id, name)
  );
  CREATE TABLE metadef_tags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    namespace_id bigint NOT NULL REFERENCES metadef_namespaces (id),
    name text COLLATE "C" NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C",
    UNIQUE (namespace_id, name)
  );
  `,
  // The tasks that record imports: an image's list, and the unfinished ones a start gives back.
  `
  CREATE TABLE tasks (
    id text COLLATE "C" PRIMARY KEY,
    type text COLLATE "C" NOT NULL,
    status text COLLATE "C" NOT NULL,
    owner text COLLATE "C",
    image_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" NOT NULL,
    request_id text COLLATE "C" NOT NULL,
    input text NOT NULL,
    result text,
    message text NOT NULL,
    expires_at text COLLATE "C",
    created_at text COLLATE "C" NOT NULL,
    updated_at text COLLATE "C" NOT NULL
  );
  CREATE INDEX tasks_image ON tasks (image_id, created_at, id);
  CREATE INDEX tasks_status ON tasks (status);
  CREATE INDEX tasks_expires_at ON tasks (expires_at);
  `,
  // The identity revision: moved (by triggers, so by every writer: any process, the command line, a tool on the
  // database) by each change that can end a token's or an access key's use, so a process keeping the callers
  // that tokens and keys stand for learns of it from one row. New tokens and counted logins do not move it.
  `
  CREATE TABLE identity_revision (revision bigint NOT NULL);
  INSERT INTO identity_revision (revision) VALUES (0);
  CREATE FUNCTION identity_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE identity_revision SET revision = revision + 1;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER identity_revision_tokens AFTER UPDATE OR DELETE OR TRUNCATE ON tokens FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  CREATE TRIGGER identity_revision_users AFTER UPDATE OF enabled OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  CREATE TRIGGER identity_revision_projects AFTER UPDATE OF enabled OR DELETE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  CREATE TRIGGER identity_revision_roles AFTER UPDATE OR DELETE OR TRUNCATE ON roles FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  CREATE TRIGGER identity_revision_role_assignments AFTER UPDATE OR DELETE OR TRUNCATE ON role_assignments FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  CREATE TRIGGER identity_revision_credentials AFTER UPDATE OR DELETE OR TRUNCATE ON credentials FOR EACH STATEMENT EXECUTE FUNCTION identity_revision_bump();
  `,
  // Every move of either revision, by any writer, is told on commit to the processes listening (see
  // revision-listener.ts), so they need not read the revisions for each request.
  `
  CREATE FUNCTION revision_notify() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('glint_revisions', TG_TABLE_NAME || ' ' || NEW.revision);
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER catalog_revision_notify AFTER UPDATE ON catalog_revision FOR EACH ROW EXECUTE FUNCTION revision_notify();
  CREATE TRIGGER identity_revision_notify AFTER UPDATE ON identity_revision FOR EACH ROW EXECUTE FUNCTION revision_notify();
  `,
];
