-- Gatehouse schema, version 1 (PostgreSQL). Booleans and timestamps are BIGINT (0/1, Unix ms)
-- so that one set of queries serves SQLite and PostgreSQL.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE domains (
    id                  BIGSERIAL PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    status              TEXT NOT NULL DEFAULT 'ENABLED',
    is_static           BIGINT NOT NULL DEFAULT 0,
    settings            TEXT NOT NULL,
    admin_password_hash TEXT,
    created_at          BIGINT NOT NULL
);

CREATE TABLE roles (
    id          BIGSERIAL PRIMARY KEY,
    document_id TEXT NOT NULL UNIQUE,
    domain_id   BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    type        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (domain_id, type)
);

CREATE TABLE permissions (
    role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    action  TEXT NOT NULL,
    PRIMARY KEY (role_id, action)
);

CREATE TABLE users (
    id                      BIGSERIAL PRIMARY KEY,
    document_id             TEXT NOT NULL UNIQUE,
    domain_id               BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    username                TEXT NOT NULL,
    email                   TEXT NOT NULL,
    provider                TEXT NOT NULL DEFAULT 'local',
    password_hash           TEXT,
    confirmed               BIGINT NOT NULL DEFAULT 0,
    blocked                 BIGINT NOT NULL DEFAULT 0,
    role_id                 BIGINT REFERENCES roles(id) ON DELETE SET NULL,
    token_version           BIGINT NOT NULL DEFAULT 0,
    reset_token_hash        TEXT,
    reset_token_expires_at  BIGINT,
    confirmation_token_hash TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL,
    last_login_at           BIGINT,
    UNIQUE (domain_id, username)
);
CREATE INDEX users_domain_email ON users (domain_id, email);
CREATE INDEX users_role ON users (role_id);
CREATE UNIQUE INDEX users_reset_token ON users (reset_token_hash);
CREATE UNIQUE INDEX users_confirmation_token ON users (confirmation_token_hash);

CREATE TABLE events (
    id       BIGSERIAL PRIMARY KEY,
    type     TEXT NOT NULL,
    at       BIGINT NOT NULL,
    domain   TEXT,
    user_ref TEXT,
    actor    TEXT NOT NULL,
    details  TEXT NOT NULL
);
CREATE INDEX events_domain ON events (domain, id);
CREATE INDEX events_at ON events (at);
