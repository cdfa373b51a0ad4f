ALTER TABLE "idempotency_keys" ADD COLUMN "job_ids" text[];--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "run_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "fair_band" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_owner_queued_idx" ON "jobs" USING btree ("owner_id","type","priority","fair_band") WHERE "jobs"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "jobs_scheduled_idx" ON "jobs" USING btree ("run_at") WHERE "jobs"."status" = 'queued' and "jobs"."run_at" is not null;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_priority_check" CHECK ("jobs"."priority" between -100 and 100);