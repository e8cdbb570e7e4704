-- Room on each page for the new versions of rows every copy updates, so the update is HOT (heap-only: no new entry
-- in any of the table's indexes). bench:copy's WAL by relation showed billing_periods' five indexes taking an entry
-- on 0.6 of the copies (its pages were full, so the updated row moved to another page) and the counters' key 0.7.
-- Applies to pages written from now on; a table rewritten (VACUUM FULL, pg_repack) gets it everywhere.
ALTER TABLE "billing_periods" SET (fillfactor = 70);--> statement-breakpoint
ALTER TABLE "flow_copy_counters" SET (fillfactor = 70);
