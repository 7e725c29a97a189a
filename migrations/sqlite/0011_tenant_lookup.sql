-- PostgreSQL's 0011 adds users_tenant_lookup, a token's tenant in one round trip under
-- row-level security. SQLite has no row-level security: its lookup is one statement already
-- (users_store.c), so there is nothing to change here.
SELECT 1;
