-- Gatehouse schema, version 2 (SQLite): per-domain email templates, and expiring confirmation tokens.
CREATE TABLE email_templates (
    domain_id  BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (domain_id, kind)
);

ALTER TABLE users ADD COLUMN confirmation_token_expires_at BIGINT;
