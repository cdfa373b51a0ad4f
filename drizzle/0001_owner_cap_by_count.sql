CREATE INDEX "jobs_owner_active_idx" ON "jobs" USING btree ("owner_id") WHERE "jobs"."status" in ('queued', 'running');--> statement-breakpoint
ALTER TABLE "owners" DROP COLUMN "active_jobs";