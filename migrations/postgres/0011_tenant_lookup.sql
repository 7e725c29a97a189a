-- A token's tenant in one round trip (users_lookup: the request path and the tenant cache's
-- refresh). The registry row and its erasure mark are read as before; the tenant's zone and
-- profile counter are its own rows under row-level security, so the function first names the
-- tenant (app.user_id, for its own transaction only) and then reads all of it in one query,
-- one snapshot. It runs with the caller's rights (no SECURITY DEFINER): it can read nothing
-- the caller could not read by naming the tenant itself.
CREATE FUNCTION users_tenant_lookup(p_issuer text, p_subject text)
    RETURNS TABLE(id bigint, deleted_at bigint, issuer text, subject text, email text,
                  first_name text, last_name text, full_name text, created_at text,
                  updated_at text, timezone text, profile_version bigint)
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    uid bigint;
BEGIN
    SELECT u.id INTO uid FROM users u WHERE u.issuer = p_issuer AND u.subject = p_subject;
    IF uid IS NOT NULL THEN
        PERFORM set_config('app.user_id', uid::text, true);
    END IF;
    RETURN QUERY
    SELECT u.id,
           (SELECT d.deleted_at FROM deleted_users d
             WHERE d.issuer = p_issuer AND d.subject = p_subject),
           u.issuer, u.subject, u.email, u.first_name, u.last_name, u.full_name,
           to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           (SELECT s.timezone FROM user_settings s WHERE s.user_id = u.id),
           (SELECT v.version FROM tenant_versions v
             WHERE v.user_id = u.id AND v.family = 'profile')
      FROM (SELECT 1) one
      LEFT JOIN users u ON u.issuer = p_issuer AND u.subject = p_subject;
END $$;
