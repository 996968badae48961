-- The users of a domain in creation (id) order, the default order of the user API's listings:
-- a page is a range of this index, and a deep offset is found by walking its entries alone
-- instead of sorting or reading the rows it skips.
CREATE INDEX users_domain_id ON users (domain_id, id);
