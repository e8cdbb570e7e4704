-- The public search document stays in the flow's row (STORAGE MAIN: kept inline, moved out of line only as a last
-- resort) instead of out of line in the TOAST table. A search by a common word walks flows in popularity order and
-- tests each one's document: out of line, each test was a TOAST index probe and chunk reads (bench:search, q=profile:
-- 1,357 buffers for 397 flows tested), in the row it is the heap page already read (405). The body and the full
-- document (the larger of the two) still go out of line first. Applies to documents written from now on (a flow's
-- documents are rewritten when its title, summary, body, tags or premium flag change); README (Running against real
-- PostgreSQL) says how to move the existing ones at once.
ALTER TABLE "flows" ALTER COLUMN "public_search_vector" SET STORAGE MAIN;
