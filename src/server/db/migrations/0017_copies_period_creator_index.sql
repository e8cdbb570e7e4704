DROP INDEX "copies_period_idx";--> statement-breakpoint
CREATE INDEX "copies_period_creator_idx" ON "copies" USING btree ("billing_period_id","creator_id");