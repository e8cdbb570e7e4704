-- The search documents stay in the flow's row (STORAGE MAIN: kept inline, moved out of line only as a last resort,
-- in a row of up to about 4 KB) instead of out of line in the TOAST table. A search by a common word walks flows in
-- popularity order and tests each one's document: out of line, each test was a TOAST index probe and chunk reads
-- (bench:search, q=profile: 1,357 buffers for 397 flows tested), in the row it is the heap page already read (405).
-- The body still goes out of line first. Applies to documents written from now on (a flow's documents are rewritten
-- when its title, summary, body, tags or premium flag change); README (Running against real PostgreSQL) says how to
-- move the existing ones at once.
ALTER TABLE "flows" SET (toast_tuple_target = 4080);--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "search_vector" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "public_search_vector" SET STORAGE MAIN;
