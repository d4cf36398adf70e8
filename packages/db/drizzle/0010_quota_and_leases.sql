ALTER TABLE "provider_batches" ADD COLUMN "submit_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD COLUMN "submit_lease_owner" text;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD COLUMN "estimated_tokens" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_batches" ADD COLUMN "waiting_for_quota_since" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "provider_batches_waiting_idx" ON "provider_batches" USING btree ("provider","waiting_for_quota_since") WHERE state = 'planned' and waiting_for_quota_since is not null;--> statement-breakpoint
CREATE TABLE "learned_quotas" (
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"tokens" bigint NOT NULL,
	"learned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "learned_quotas_provider_model_pk" PRIMARY KEY("provider","model")
);
