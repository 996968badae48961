-- Users per domain, kept by triggers so that countUsers reads one row instead of counting
-- an index range (which grows with the domain). Statement-level triggers: a bulk insert
-- updates each domain's row once, not once per user.
ALTER TABLE domains ADD COLUMN user_count BIGINT NOT NULL DEFAULT 0;
UPDATE domains SET user_count = (SELECT COUNT(*) FROM users WHERE users.domain_id = domains.id);

CREATE FUNCTION users_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domains SET user_count = domains.user_count + added.n
    FROM (SELECT domain_id, COUNT(*) AS n FROM inserted GROUP BY domain_id) AS added
    WHERE domains.id = added.domain_id;
    RETURN NULL;
END
$$;

CREATE FUNCTION users_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domains SET user_count = domains.user_count - removed.n
    FROM (SELECT domain_id, COUNT(*) AS n FROM deleted GROUP BY domain_id) AS removed
    WHERE domains.id = removed.domain_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_counted_on_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION users_count_inserted();
CREATE TRIGGER users_counted_on_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION users_count_deleted();
