DROP INDEX "jobs_finished_at_idx";--> statement-breakpoint
DROP INDEX "jobs_unpurged_finished_idx";--> statement-breakpoint
CREATE INDEX "jobs_finished_at_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."finished_at" is not null;--> statement-breakpoint
CREATE INDEX "jobs_unpurged_finished_idx" ON "jobs" USING btree ("finished_at") WHERE "jobs"."result_purged_at" is null and "jobs"."finished_at" is not null;