ALTER TABLE "inputs" ADD COLUMN "spent_input_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inputs" ADD COLUMN "spent_output_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "inputs" ADD COLUMN "spent_cached_tokens" integer DEFAULT 0 NOT NULL;