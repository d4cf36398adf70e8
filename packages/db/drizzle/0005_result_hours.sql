CREATE TABLE "result_hours" (
	"hour" timestamp with time zone NOT NULL,
	"job_id" text NOT NULL,
	"status" text NOT NULL,
	"results" bigint DEFAULT 0 NOT NULL,
	"unpriced_results" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_write_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" numeric(30, 12) DEFAULT '0' NOT NULL,
	"sync_cost_usd" numeric(30, 12) DEFAULT '0' NOT NULL,
	CONSTRAINT "result_hours_hour_job_id_status_pk" PRIMARY KEY("hour","job_id","status")
);
--> statement-breakpoint
CREATE INDEX "results_unpriced_idx" ON "results" USING btree ("created_at") WHERE price_version is null;--> statement-breakpoint
-- Hand-written below: the triggers of 0004 now keep `result_hours` too, with the same deltas, by UTC hour and job.
-- Writers wait until this migration commits: no result may be counted both by the backfill and by the triggers.
LOCK TABLE results IN SHARE MODE;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION result_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
  EXECUTE format($sql$
    INSERT INTO result_hours AS h (hour, job_id, status, results, unpriced_results, input_tokens, output_tokens,
                                   cached_tokens, cache_write_tokens, cost_usd, sync_cost_usd)
    SELECT date_trunc('hour', d.created_at, 'UTC'), d.job_id, d.status, sum(d.sign),
           sum(d.sign * (d.price_version IS NULL)::int),
           sum(d.sign * coalesce(d.input_tokens, 0)), sum(d.sign * coalesce(d.output_tokens, 0)),
           sum(d.sign * coalesce(d.cached_tokens, 0)), sum(d.sign * coalesce(d.cache_write_tokens, 0)),
           sum(d.sign * coalesce(d.cost_usd, 0)), sum(d.sign * coalesce(d.sync_cost_usd, 0))
    FROM (%s) d
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (hour, job_id, status) DO UPDATE SET
      results = h.results + excluded.results,
      unpriced_results = h.unpriced_results + excluded.unpriced_results,
      input_tokens = h.input_tokens + excluded.input_tokens,
      output_tokens = h.output_tokens + excluded.output_tokens,
      cached_tokens = h.cached_tokens + excluded.cached_tokens,
      cache_write_tokens = h.cache_write_tokens + excluded.cache_write_tokens,
      cost_usd = h.cost_usd + excluded.cost_usd,
      sync_cost_usd = h.sync_cost_usd + excluded.sync_cost_usd
  $sql$, delta);
  RETURN NULL;
END
$$;
--> statement-breakpoint
INSERT INTO result_hours (hour, job_id, status, results, unpriced_results, input_tokens, output_tokens, cached_tokens,
                          cache_write_tokens, cost_usd, sync_cost_usd)
SELECT date_trunc('hour', r.created_at, 'UTC'), r.job_id, r.status, count(*),
       count(*) FILTER (WHERE r.price_version IS NULL),
       coalesce(sum(r.input_tokens), 0), coalesce(sum(r.output_tokens), 0), coalesce(sum(r.cached_tokens), 0),
       coalesce(sum(r.cache_write_tokens), 0), coalesce(sum(r.cost_usd), 0), coalesce(sum(r.sync_cost_usd), 0)
FROM results r
GROUP BY 1, 2, 3;
