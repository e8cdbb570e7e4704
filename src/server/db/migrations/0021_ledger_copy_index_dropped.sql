-- A copy's ledger transaction is found by its key, 'copy:' || copy_id (unique, so indexed), as every other
-- transaction is: the index on copy_id was a second entry for the same thing, written by every counted copy (one more
-- random insert into a UUID btree, in the copy's own transaction) and read by nothing the key does not serve. Copies
-- are never deleted, so the foreign key from copy_id needs no index on this side.
DROP INDEX "ledger_transactions_copy_idx";
