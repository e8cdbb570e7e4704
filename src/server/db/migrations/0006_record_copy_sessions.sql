-- record_copy changes its signature (the session it runs in, the per-minute copy limit): the old one goes here, and
-- the new version is created in 0011 with every rule this wave added (sessions, rate limit, free-copy dedupe,
-- duplicate subscriptions, renewal lag) — one definition to review instead of three that replace each other.
DROP FUNCTION record_copy(uuid, text, boolean, bigint, integer, integer, integer, integer);
