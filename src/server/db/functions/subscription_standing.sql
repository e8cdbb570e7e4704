-- Good standing (SPEC §3): only these subscription statuses open premium flows and make copies count. The one
-- authority for SQL (record_copy, the subscriptions repository); TypeScript's isGoodStanding (for responses) is
-- checked against it status by status in test/record-copy-parity.test.ts.
-- Applied by migrate() after the migrations, every time (CREATE OR REPLACE): edit here, not in a migration.
CREATE OR REPLACE FUNCTION is_good_standing(p_status text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_status IN ('active', 'trialing')
$$;
