-- A counter of the changes that move users' positions in their domain's listings (a user
-- added or removed, a username changed): a position found in a listing stays exact while
-- the counter has not moved (see `positions.rs`).
ALTER TABLE domains ADD COLUMN user_changes BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER users_counted_on_insert;
DROP TRIGGER users_counted_on_delete;

CREATE TRIGGER users_counted_on_insert AFTER INSERT ON users
BEGIN
    UPDATE domains SET user_count = user_count + 1, user_changes = user_changes + 1 WHERE id = NEW.domain_id;
END;

CREATE TRIGGER users_counted_on_delete AFTER DELETE ON users
BEGIN
    UPDATE domains SET user_count = user_count - 1, user_changes = user_changes + 1 WHERE id = OLD.domain_id;
END;

CREATE TRIGGER users_renamed AFTER UPDATE OF username ON users
WHEN NEW.username IS NOT OLD.username
BEGIN
    UPDATE domains SET user_changes = user_changes + 1 WHERE id = NEW.domain_id;
END;
