-- A flow's card (what a list shows and filters on) stays in its row. With both search documents kept in the row
-- (0019) a flow of a few kilobytes is over toast_tuple_target, and PostgreSQL then moves every compressible column of
-- over ~24 bytes out of line, largest first, before it would touch a MAIN one: the summary, tags, tools and sites,
-- often the title went to the TOAST table with the body. A list page read each of them with a TOAST index probe
-- (up to five a flow), and a search with a tag tested each candidate's tags the same way: q=claim error&tags=linkedin read
-- 2,980 buffers for the 859 flows it walked, 869 once the tags were in the row. STORAGE MAIN keeps these short columns
-- inline (moved out only if the row still exceeds a page); the body, steps and notes go out of line first. Applies to
-- rows written from now on; README (Running against real PostgreSQL) says how to rewrite the existing ones.
ALTER TABLE "flows" ALTER COLUMN "slug" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "title" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "summary" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "status" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "tags" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "works_with" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "target_sites" SET STORAGE MAIN;
