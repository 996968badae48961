-- The node that recorded each event, so that a node relaying the audit table to its
-- subscribers skips its own events (published when they were recorded).
ALTER TABLE events ADD COLUMN node TEXT;
