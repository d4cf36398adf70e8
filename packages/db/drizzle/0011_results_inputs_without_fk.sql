-- A job's inputs and results keep its id without a foreign key: checked row by row, the key cost a sixth of intake's
-- COPY and a third of the CPU of storing a slice of results, and only the job's own transactions write those rows.
-- What the keys' ON DELETE CASCADE did is kept by one statement trigger on jobs.
ALTER TABLE "inputs" DROP CONSTRAINT "inputs_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "results" DROP CONSTRAINT "results_job_id_jobs_id_fk";
--> statement-breakpoint
CREATE FUNCTION jobs_delete_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM inputs WHERE job_id IN (SELECT id FROM deleted_jobs);
  DELETE FROM results WHERE job_id IN (SELECT id FROM deleted_jobs);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER jobs_delete_children AFTER DELETE ON jobs
  REFERENCING OLD TABLE AS deleted_jobs FOR EACH STATEMENT EXECUTE FUNCTION jobs_delete_children();
