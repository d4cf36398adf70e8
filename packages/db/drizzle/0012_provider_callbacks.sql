-- Provider callbacks (OpenAI and Gemini API batch webhooks) already acted on, by their webhook-id: a delivery seen
-- again changes nothing. Rows past the retention are deleted as new ones come in. `batch_id` is the batch the event
-- named, for a poll that was running when it came.
CREATE TABLE "provider_callbacks" (
	"provider" text NOT NULL,
	"webhook_id" text NOT NULL,
	"event_type" text,
	"provider_batch_id" text,
	"batch_id" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_callbacks_provider_webhook_id_pk" PRIMARY KEY("provider","webhook_id")
);
--> statement-breakpoint
CREATE INDEX "provider_callbacks_received_idx" ON "provider_callbacks" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "provider_callbacks_batch_idx" ON "provider_callbacks" USING btree ("batch_id","received_at");