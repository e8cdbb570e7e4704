CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"hits" integer NOT NULL,
	"reset_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
DROP INDEX "copies_once_per_period_key";--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "search_vector" SET DEFAULT ''::tsvector;--> statement-breakpoint
ALTER TABLE "flows" ADD COLUMN "public_search_vector" "tsvector" DEFAULT ''::tsvector NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id") WHERE "sessions"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "flows_public_search_idx" ON "flows" USING gin ("public_search_vector");--> statement-breakpoint
-- Copies without a billing period (members without a subscription) were not deduplicated: keep each member's first
-- copy of a flow, and rebuild the flow counters from the copies that remain. Such copies never carry ledger entries.
DELETE FROM "copies" c USING (
  SELECT id, row_number() OVER (PARTITION BY user_id, flow_id ORDER BY copied_at, id) AS n
    FROM "copies" WHERE billing_period_id IS NULL
) d WHERE c.id = d.id AND d.n > 1;--> statement-breakpoint
DELETE FROM "flow_copy_counters";--> statement-breakpoint
INSERT INTO "flow_copy_counters" (flow_id, shard, copies) SELECT flow_id, 0, count(*) FROM "copies" GROUP BY flow_id;--> statement-breakpoint
UPDATE "flows" f SET copy_count = coalesce((SELECT sum(copies) FROM "flow_copy_counters" c WHERE c.flow_id = f.id), 0);--> statement-breakpoint
ALTER TABLE "copies" ADD CONSTRAINT "copies_once_per_period_key" UNIQUE NULLS NOT DISTINCT("user_id","flow_id","billing_period_id");--> statement-breakpoint
-- A premium flow's preview: what callers who may not read it see of its body (the API's \`body\` when \`locked\`).
CREATE FUNCTION flow_preview(p_body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN length(p_body) <= 280 THEN left(p_body, (length(p_body) + 1) / 2) || '…'
    ELSE (SELECT CASE WHEN 280 - position(' ' in reverse(cut)) > 140 AND position(' ' in reverse(cut)) > 0
                      THEN left(cut, 280 - position(' ' in reverse(cut))) ELSE cut END
            FROM (SELECT left(p_body, 280) AS cut) c) || '…'
  END
$$;--> statement-breakpoint
-- The weighted search document: title first, then tags and summary, then the text.
CREATE FUNCTION flow_search_document(p_title text, p_tags text[], p_summary text, p_text text) RETURNS tsvector
LANGUAGE sql IMMUTABLE AS $$
  SELECT setweight(to_tsvector('english', p_title), 'A')
      || setweight(to_tsvector('english', array_to_string(p_tags, ' ') || ' ' || p_summary), 'B')
      || setweight(to_tsvector('english', p_text), 'C')
$$;--> statement-breakpoint
-- Both documents follow the flow's own columns, whoever writes them: the full one (for callers who may read the
-- body) and the public one, which for a premium flow holds only its preview, so search never reveals locked text.
CREATE FUNCTION flows_search_documents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := flow_search_document(NEW.title, NEW.tags, NEW.summary, NEW.body);
  NEW.public_search_vector := flow_search_document(NEW.title, NEW.tags, NEW.summary,
    CASE WHEN NEW.is_premium THEN flow_preview(NEW.body) ELSE NEW.body END);
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER flows_search_documents BEFORE INSERT OR UPDATE OF title, summary, body, tags, is_premium ON "flows"
  FOR EACH ROW EXECUTE FUNCTION flows_search_documents();--> statement-breakpoint
UPDATE "flows" SET title = title;
