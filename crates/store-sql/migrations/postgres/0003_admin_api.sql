-- The admin API's statistics count a domain's logins of the last 24 hours.
CREATE INDEX events_domain_type_at ON events (domain, type, at);
