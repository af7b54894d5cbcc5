/** Schema versions of the SQLite catalog; each entry moves `user_version` one step forward. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE images (
    id TEXT PRIMARY KEY,
    name TEXT,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    owner TEXT,
    protected INTEGER NOT NULL DEFAULT 0,
    os_hidden INTEGER NOT NULL DEFAULT 0,
    min_ram INTEGER NOT NULL DEFAULT 0,
    min_disk INTEGER NOT NULL DEFAULT 0,
    size INTEGER,
    virtual_size INTEGER,
    disk_format TEXT,
    container_format TEXT,
    checksum TEXT,
    os_hash_algo TEXT,
    os_hash_value TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    properties TEXT NOT NULL DEFAULT '{}',
    has_data INTEGER NOT NULL DEFAULT 0
  );
  -- The list order and the keyset every page continues from; it also covers the default list scope,
  -- so a list page is found without touching the table.
  CREATE INDEX images_order ON images (created_at DESC, id DESC, updated_at, deleted, status, os_hidden, visibility, owner);
  CREATE INDEX images_name ON images (name);
  CREATE INDEX images_status ON images (status);
  CREATE INDEX images_updated_at ON images (updated_at);
  CREATE INDEX images_min_ram ON images (min_ram);
  CREATE INDEX images_min_disk ON images (min_disk);
  CREATE INDEX images_owner ON images (owner, visibility);
  -- Properties are kept in order as JSON on the row for rendering; this table serves the filters.
  CREATE TABLE image_properties (
    image_id TEXT NOT NULL REFERENCES images (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (image_id, key)
  );
  CREATE INDEX image_properties_key_value ON image_properties (key, value);
  CREATE TABLE members (
    image_id TEXT NOT NULL REFERENCES images (id),
    member TEXT NOT NULL,
    status TEXT NOT NULL,
    can_share INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (image_id, member)
  );
  CREATE INDEX members_member ON members (member, status);
  `,
  `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 1,
    password_hash TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    last_failed_at TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  CREATE TABLE role_assignments (
    user_id TEXT NOT NULL REFERENCES users (id),
    project_id TEXT NOT NULL REFERENCES projects (id),
    role_id TEXT NOT NULL REFERENCES roles (id),
    PRIMARY KEY (user_id, project_id, role_id)
  );
  CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    project_id TEXT,
    roles TEXT NOT NULL,
    methods TEXT NOT NULL,
    audit_ids TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX tokens_expires_at ON tokens (expires_at);
  CREATE TABLE credentials (
    access TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    sealed_secret TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  // Property rows without a primary key: they are written from an image's properties object, whose
  // keys are unique already, and a table whose every index can be dropped loads in bulk far faster.
  `
  CREATE TABLE image_properties_new (
    image_id TEXT NOT NULL REFERENCES images (id),
    key TEXT NOT NULL,
    value TEXT NOT NULL
  );
  INSERT INTO image_properties_new SELECT image_id, key, value FROM image_properties;
  DROP TABLE image_properties;
  ALTER TABLE image_properties_new RENAME TO image_properties;
  CREATE INDEX image_properties_image ON image_properties (image_id);
  CREATE INDEX image_properties_key_value ON image_properties (key, value);
  `,
  // Lists never filter through these (see FEW_VALUES in sqlite-store.ts): most images share a value.
  `
  DROP INDEX images_min_ram;
  DROP INDEX images_min_disk;
  `,
  // The list order index also covers the compute filters on few-valued columns (min_ram, min_disk), so
  // walking it never needs the table to test them.
  `
  DROP INDEX images_order;
  CREATE INDEX images_order ON images (created_at DESC, id DESC, updated_at, deleted, status, os_hidden, visibility, owner, min_ram, min_disk);
  `,
  // Native lists sorted by an attribute walk its index to the page's end (see sortedBy in sqlite-store.ts).
  `
  CREATE INDEX images_size ON images (size);
  CREATE INDEX images_disk_format ON images (disk_format);
  CREATE INDEX images_container_format ON images (container_format);
  `,
  // Covers the list scope and the compute filters, so the images changed since a recent bound are
  // found and filtered from the index alone (see fewChangedSince in sqlite-store.ts).
  `
  DROP INDEX images_updated_at;
  CREATE INDEX images_updated_at ON images (updated_at, deleted, status, os_hidden, visibility, owner, min_ram, min_disk, created_at, id);
  `,
  // Ids are random UUIDs: as a primary key they are an index no bulk load can drop, which every row
  // of the load lands in at a random place. A unique index gives lookups and foreign keys what the key
  // gave, and a load into an empty catalog builds it afterwards (see importImages in sqlite-store.ts).
  // The same for a member's key. Rebuilt tables lose their indexes, so all are made again as they were.
  `
  CREATE TABLE images_new (
    id TEXT NOT NULL,
    name TEXT,
    status TEXT NOT NULL,
    visibility TEXT NOT NULL,
    owner TEXT,
    protected INTEGER NOT NULL DEFAULT 0,
    os_hidden INTEGER NOT NULL DEFAULT 0,
    min_ram INTEGER NOT NULL DEFAULT 0,
    min_disk INTEGER NOT NULL DEFAULT 0,
    size INTEGER,
    virtual_size INTEGER,
    disk_format TEXT,
    container_format TEXT,
    checksum TEXT,
    os_hash_algo TEXT,
    os_hash_value TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    properties TEXT NOT NULL DEFAULT '{}',
    has_data INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO images_new SELECT
    id, name, status, visibility, owner, protected, os_hidden, min_ram, min_disk, size, virtual_size, disk_format,
    container_format, checksum, os_hash_algo, os_hash_value, created_at, updated_at, deleted, deleted_at, tags,
    properties, has_data
  FROM images;
  DROP TABLE images;
  ALTER TABLE images_new RENAME TO images;
  CREATE UNIQUE INDEX images_id ON images (id);
  CREATE INDEX images_order ON images (created_at DESC, id DESC, updated_at, deleted, status, os_hidden, visibility, owner, min_ram, min_disk);
  CREATE INDEX images_name ON images (name);
  CREATE INDEX images_status ON images (status);
  CREATE INDEX images_updated_at ON images (updated_at, deleted, status, os_hidden, visibility, owner, min_ram, min_disk, created_at, id);
  CREATE INDEX images_owner ON images (owner, visibility);
  CREATE INDEX images_size ON images (size);
  CREATE INDEX images_disk_format ON images (disk_format);
  CREATE INDEX images_container_format ON images (container_format);
  CREATE TABLE members_new (
    image_id TEXT NOT NULL REFERENCES images (id),
    member TEXT NOT NULL,
    status TEXT NOT NULL,
    can_share INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  INSERT INTO members_new SELECT image_id, member, status, can_share, created_at, updated_at FROM members;
  DROP TABLE members;
  ALTER TABLE members_new RENAME TO members;
  CREATE UNIQUE INDEX members_image_member ON members (image_id, member);
  CREATE INDEX members_member ON members (member, status);
  `,
  // Which process receives each upload under way, so an instance starting on a shared catalog gives back only
  // the uploads nobody receives any more.
  `
  CREATE TABLE upload_leases (
    image_id TEXT PRIMARY KEY REFERENCES images (id),
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  `,
  // Metadata definitions (Glance's metadef tables). Each row has a number of its own: lists order by it where
  // the reference orders by its own (tags and namespaces made in the same instant, associations as made).
  `
  CREATE TABLE metadef_namespaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL UNIQUE,
    display_name TEXT,
    description TEXT,
    visibility TEXT,
    protected INTEGER,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT
  );
  CREATE INDEX metadef_namespaces_owner ON metadef_namespaces (owner);
  CREATE TABLE metadef_resource_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    protected INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT
  );
  CREATE TABLE metadef_namespace_resource_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
    resource_type_id INTEGER NOT NULL REFERENCES metadef_resource_types (id),
    properties_target TEXT,
    prefix TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (namespace_id, resource_type_id)
  );
  CREATE INDEX metadef_namespace_resource_types_type ON metadef_namespace_resource_types (resource_type_id);
  CREATE TABLE metadef_objects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
    name TEXT NOT NULL,
    description TEXT,
    required TEXT,
    json_schema TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (namespace_id, name)
  );
  CREATE TABLE metadef_properties (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
    name TEXT NOT NULL,
    json_schema TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (namespace_id, name)
  );
  CREATE TABLE metadef_tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT,
    UNIQUE (namespace_id, name)
  );
  `,
  // The tasks that record imports: an image's list, and the unfinished ones a start gives back.
  `
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT,
    image_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    input TEXT NOT NULL,
    result TEXT,
    message TEXT NOT NULL,
    expires_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX tasks_image ON tasks (image_id, created_at, id);
  CREATE INDEX tasks_status ON tasks (status);
  CREATE INDEX tasks_expires_at ON tasks (expires_at);
  `,
  // The identity revision: moved (by triggers, so by every writer: any process, the command line, a tool on the
  // file) by each change that can end a token's or an access key's use, so a process keeping the callers that
  // tokens and keys stand for learns of it from one row. New tokens and counted logins do not move it.
  `
  CREATE TABLE identity_revision (revision INTEGER NOT NULL);
  INSERT INTO identity_revision (revision) VALUES (0);
  CREATE TRIGGER identity_revision_tokens_changed AFTER UPDATE ON tokens BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_tokens_deleted AFTER DELETE ON tokens BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_users_changed AFTER UPDATE OF enabled ON users BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_users_deleted AFTER DELETE ON users BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_projects_changed AFTER UPDATE OF enabled ON projects BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_projects_deleted AFTER DELETE ON projects BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_roles_changed AFTER UPDATE ON roles BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_roles_deleted AFTER DELETE ON roles BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_role_assignments_changed AFTER UPDATE ON role_assignments BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_role_assignments_deleted AFTER DELETE ON role_assignments BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_credentials_changed AFTER UPDATE ON credentials BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  CREATE TRIGGER identity_revision_credentials_deleted AFTER DELETE ON credentials BEGIN UPDATE identity_revision SET revision = revision + 1; END;
  `,
];
