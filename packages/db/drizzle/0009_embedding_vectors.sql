ALTER TABLE "results" ADD COLUMN "embedding" bytea;--> statement-breakpoint
-- Float32 bytes do not compress: out of line at once (over ~2 KB), never through pglz.
ALTER TABLE "results" ALTER COLUMN "embedding" SET STORAGE EXTERNAL;
