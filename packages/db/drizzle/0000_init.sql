CREATE TABLE "inputs" (
	"job_id" text NOT NULL,
	"custom_id" text NOT NULL,
	"seq" integer NOT NULL,
	"caller_id" text,
	"aliases" jsonb,
	"request" jsonb NOT NULL,
	"request_bytes" integer NOT NULL,
	"state" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"batch_id" text,
	"last_error" jsonb,
	CONSTRAINT "inputs_job_id_custom_id_pk" PRIMARY KEY("job_id","custom_id")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"project" text NOT NULL,
	"owner" text NOT NULL,
	"environment" text,
	"run_id" text NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"max_attempts" integer NOT NULL,
	"poll_interval_s" double precision NOT NULL,
	"input_count" integer NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"skipped_done" integer DEFAULT 0 NOT NULL,
	"error" text,
	"cancel_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"timeout_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provider_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"provider" text NOT NULL,
	"chunk_key" text NOT NULL,
	"round" integer NOT NULL,
	"state" text NOT NULL,
	"provider_status" text,
	"provider_batch_id" text,
	"input_file_id" text,
	"output_file_id" text,
	"error_file_id" text,
	"request_count" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"counts" jsonb,
	"outcome" text,
	"failures" jsonb,
	"submit_attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_at" timestamp with time zone,
	"status_changed_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"fetched_at" timestamp with time zone,
	"cancel_sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "results" (
	"custom_id" text PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"batch_id" text,
	"status" text NOT NULL,
	"output" jsonb,
	"input_tokens" integer,
	"output_tokens" integer,
	"cached_tokens" integer,
	"usage" jsonb,
	"cost_usd" numeric(18, 9),
	"sync_cost_usd" numeric(18, 9),
	"price_version" text,
	"error" jsonb,
	"attempts" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inputs" ADD CONSTRAINT "inputs_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD CONSTRAINT "provider_batches_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "inputs_job_seq_idx" ON "inputs" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "inputs_batch_idx" ON "inputs" USING btree ("batch_id");--> statement-breakpoint
CREATE INDEX "inputs_pending_idx" ON "inputs" USING btree ("job_id") WHERE state = 'pending';--> statement-breakpoint
CREATE INDEX "jobs_status_idx" ON "jobs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "jobs_project_idx" ON "jobs" USING btree ("project","created_at");--> statement-breakpoint
CREATE INDEX "jobs_run_idx" ON "jobs" USING btree ("run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "provider_batches_chunk_key_idx" ON "provider_batches" USING btree ("chunk_key");--> statement-breakpoint
CREATE INDEX "provider_batches_job_idx" ON "provider_batches" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "provider_batches_state_idx" ON "provider_batches" USING btree ("state");--> statement-breakpoint
CREATE INDEX "results_job_idx" ON "results" USING btree ("job_id");