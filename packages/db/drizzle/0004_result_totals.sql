CREATE TABLE "result_totals" (
	"project" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"status" text NOT NULL,
	"results" bigint DEFAULT 0 NOT NULL,
	"unpriced_results" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" numeric(30, 12) DEFAULT '0' NOT NULL,
	"sync_cost_usd" numeric(30, 12) DEFAULT '0' NOT NULL,
	CONSTRAINT "result_totals_project_provider_model_status_pk" PRIMARY KEY("project","provider","model","status")
);
--> statement-breakpoint
DROP INDEX "results_job_idx";--> statement-breakpoint
CREATE INDEX "results_job_created_idx" ON "results" USING btree ("job_id","created_at","cost_usd");--> statement-breakpoint
-- Hand-written below: drizzle-kit does not generate triggers. What a statement on `results` inserted (and, for an
-- update, what it replaced) is added to (and taken from) `result_totals`, grouped by the job's tags and the
-- outcome, in the statement's own transaction. An upsert fires both triggers: each sees only its own rows.
CREATE FUNCTION result_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta text := CASE TG_OP
    WHEN 'INSERT' THEN 'SELECT 1 AS sign, * FROM new_rows'
    ELSE 'SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows' END;
BEGIN
  -- Always in the same key order, so two transactions never wait on each other's rows the other way round.
  EXECUTE format($sql$
    INSERT INTO result_totals AS t (project, provider, model, status, results, unpriced_results, input_tokens,
                                    output_tokens, cached_tokens, cache_write_tokens, cost_usd, sync_cost_usd)
    SELECT j.project, j.provider, j.model, d.status, sum(d.sign), sum(d.sign * (d.price_version IS NULL)::int),
           sum(d.sign * coalesce(d.input_tokens, 0)), sum(d.sign * coalesce(d.output_tokens, 0)),
           sum(d.sign * coalesce(d.cached_tokens, 0)), sum(d.sign * coalesce(d.cache_write_tokens, 0)),
           sum(d.sign * coalesce(d.cost_usd, 0)), sum(d.sign * coalesce(d.sync_cost_usd, 0))
    FROM (%s) d JOIN jobs j ON j.id = d.job_id
    GROUP BY j.project, j.provider, j.model, d.status
    ORDER BY j.project, j.provider, j.model, d.status
    ON CONFLICT (project, provider, model, status) DO UPDATE SET
      results = t.results + excluded.results,
      unpriced_results = t.unpriced_results + excluded.unpriced_results,
      input_tokens = t.input_tokens + excluded.input_tokens,
      output_tokens = t.output_tokens + excluded.output_tokens,
      cached_tokens = t.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = t.cache_write_tokens + excluded.cache_write_tokens,
      cost_usd = t.cost_usd + excluded.cost_usd,
      sync_cost_usd = t.sync_cost_usd + excluded.sync_cost_usd
  $sql$, delta);
  RETURN NULL;
END
$$;
--> statement-breakpoint
INSERT INTO result_totals (project, provider, model, status, results, unpriced_results, input_tokens, output_tokens,
                           cached_tokens, cache_write_tokens, cost_usd, sync_cost_usd)
SELECT j.project, j.provider, j.model, r.status, count(*), count(*) FILTER (WHERE r.price_version IS NULL),
       coalesce(sum(r.input_tokens), 0), coalesce(sum(r.output_tokens), 0), coalesce(sum(r.cached_tokens), 0),
       coalesce(sum(r.cache_write_tokens), 0), coalesce(sum(r.cost_usd), 0), coalesce(sum(r.sync_cost_usd), 0)
FROM results r JOIN jobs j ON j.id = r.job_id
GROUP BY j.project, j.provider, j.model, r.status;
--> statement-breakpoint
CREATE TRIGGER results_totals_on_insert AFTER INSERT ON results REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION result_totals_apply();
--> statement-breakpoint
CREATE TRIGGER results_totals_on_update AFTER UPDATE ON results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION result_totals_apply();
