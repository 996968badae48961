-- Rate-limit windows shared by every node of a cluster (PostgreSQL). A single SQLite node
-- counts in memory and leaves this table empty.
CREATE TABLE rate_windows (
    key     TEXT PRIMARY KEY,
    ends_at BIGINT NOT NULL,
    hits    BIGINT NOT NULL
);
CREATE INDEX rate_windows_ends_at ON rate_windows (ends_at);
