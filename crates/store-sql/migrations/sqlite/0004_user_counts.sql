-- Users per domain, kept by triggers so that countUsers reads one row instead of counting
-- an index range (which grows with the domain).
ALTER TABLE domains ADD COLUMN user_count BIGINT NOT NULL DEFAULT 0;
UPDATE domains SET user_count = (SELECT COUNT(*) FROM users WHERE users.domain_id = domains.id);

CREATE TRIGGER users_counted_on_insert AFTER INSERT ON users
BEGIN
    UPDATE domains SET user_count = user_count + 1 WHERE id = NEW.domain_id;
END;

CREATE TRIGGER users_counted_on_delete AFTER DELETE ON users
BEGIN
    UPDATE domains SET user_count = user_count - 1 WHERE id = OLD.domain_id;
END;
