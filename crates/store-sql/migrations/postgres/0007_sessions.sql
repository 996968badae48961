-- Sessions: one per sign-in in a domain using refresh tokens. Its refresh tokens are kept
-- as SHA-256 hashes, each pointing to the one it replaced: a rotated token presented again
-- is recognised (and ends its session). `expires_at` is the idle expiry, capped by the
-- absolute one, and the ending time once ended: the sweeper deletes what is past it.
CREATE TABLE sessions (
    id                  TEXT PRIMARY KEY,
    domain_id           BIGINT NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    user_id             BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device_id           TEXT,
    device_name         TEXT,
    client_address      TEXT,
    node                TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    last_used_at        BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    absolute_expires_at BIGINT NOT NULL,
    ended_at            BIGINT
);
CREATE INDEX sessions_user ON sessions (domain_id, user_id);
CREATE INDEX sessions_domain_used ON sessions (domain_id, last_used_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- `successor` is written when a token is exchanged: the trigger below inserts it as the
-- session's new token and moves the session's last use and idle expiry on, so that a rotation
-- is one statement (atomic, and one round trip). A rotated token exchanged again within the
-- grace window gets another successor (a retried refresh).
CREATE TABLE session_tokens (
    hash                 TEXT PRIMARY KEY,
    session_id           TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    user_id              BIGINT NOT NULL,
    parent_hash          TEXT,
    created_at           BIGINT NOT NULL,
    rotated_at           BIGINT,
    successor            TEXT,
    successor_at         BIGINT,
    successor_idle_until BIGINT
);
CREATE INDEX session_tokens_session ON session_tokens (session_id);

CREATE FUNCTION session_token_rotated() RETURNS trigger AS $$
BEGIN
    INSERT INTO session_tokens (hash, session_id, user_id, parent_hash, created_at)
    VALUES (NEW.successor, NEW.session_id, NEW.user_id, NEW.hash, NEW.successor_at);
    UPDATE sessions SET last_used_at = NEW.successor_at,
        expires_at = LEAST(NEW.successor_idle_until, absolute_expires_at)
    WHERE id = NEW.session_id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER session_tokens_rotated AFTER UPDATE OF successor ON session_tokens
FOR EACH ROW WHEN (NEW.successor IS NOT NULL AND NEW.successor IS DISTINCT FROM OLD.successor)
EXECUTE FUNCTION session_token_rotated();
