ALTER TABLE "credit_applications" ADD COLUMN "stripe_created_at" timestamp with time zone;--> statement-breakpoint
-- Credits applied before this column existed: our own clock is the best record of when Stripe credited them.
UPDATE "credit_applications" SET stripe_created_at = created_at WHERE status = 'applied';
