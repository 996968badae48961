-- A counter of the changes that move users' positions in their domain's listings (a user
-- added or removed, a username changed): a position found in a listing stays exact while
-- the counter has not moved (see `positions.rs`). Insertions and deletions are counted once
-- per statement and domain, with the user count.
ALTER TABLE domains ADD COLUMN user_changes BIGINT NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION users_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domains SET user_count = domains.user_count + added.n, user_changes = domains.user_changes + 1
    FROM (SELECT domain_id, COUNT(*) AS n FROM inserted GROUP BY domain_id) AS added
    WHERE domains.id = added.domain_id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION users_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domains SET user_count = domains.user_count - removed.n, user_changes = domains.user_changes + 1
    FROM (SELECT domain_id, COUNT(*) AS n FROM deleted GROUP BY domain_id) AS removed
    WHERE domains.id = removed.domain_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION users_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domains SET user_changes = user_changes + 1 WHERE id = NEW.domain_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_renamed AFTER UPDATE OF username ON users
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username) EXECUTE FUNCTION users_renamed();
