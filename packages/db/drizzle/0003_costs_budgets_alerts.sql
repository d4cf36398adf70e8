CREATE TABLE "alerts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alerts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"project" text,
	"job_id" text,
	"batch_id" text,
	"message" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"project" text PRIMARY KEY NOT NULL,
	"monthly_usd" numeric(18, 6) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "results" ALTER COLUMN "cost_usd" SET DATA TYPE numeric(24, 12);--> statement-breakpoint
ALTER TABLE "results" ALTER COLUMN "sync_cost_usd" SET DATA TYPE numeric(24, 12);--> statement-breakpoint
ALTER TABLE "inputs" ADD COLUMN "spent_cache_write_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "worst_case_usd" numeric(24, 12);--> statement-breakpoint
ALTER TABLE "results" ADD COLUMN "cache_write_tokens" integer;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_dedupe_idx" ON "alerts" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "alerts_created_idx" ON "alerts" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "results_created_idx" ON "results" USING btree ("created_at");