-- The log store (services/log-drain). Two parts:
-- 1. log_batches and log_usage_daily, generated with `prisma migrate diff` from
--    schema.prisma (models LogBatch and LogUsageDaily).
-- 2. log_lines, a partitioned table, hand-written below:
--    Prisma cannot express partitioning, so log_lines is NOT in schema.prisma on purpose.
--    Only the log-drain service (plain SQL and COPY through its pg pool) and the logs driver
--    of the allocator touch it.

-- CreateTable
CREATE TABLE "log_batches" (
    "tenant_id" UUID NOT NULL,
    "batch_id" TEXT NOT NULL,
    "lines" INTEGER NOT NULL,
    "stored_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "log_batches_pkey" PRIMARY KEY ("tenant_id","batch_id")
);

-- CreateTable
CREATE TABLE "log_usage_daily" (
    "tenant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "lines" BIGINT NOT NULL DEFAULT 0,
    "dropped" BIGINT NOT NULL DEFAULT 0,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "reported_loss" BIGINT NOT NULL DEFAULT 0,
    "quota_notified_at" TIMESTAMPTZ(3),

    CONSTRAINT "log_usage_daily_pkey" PRIMARY KEY ("tenant_id","day")
);

-- CreateIndex
CREATE INDEX "log_batches_stored_at_idx" ON "log_batches"("stored_at");


-- log_lines: one row per stored log line. Partitioned by RANGE on expires_on, the UTC day
-- after which the line is no longer kept (day of its timestamp + the tenant's retention
-- days when it was written). Retention is then enforced exactly, per tenant and per plan,
-- by dropping whole partitions whose day has passed (the log-drain maintenance): no DELETE,
-- no vacuum debt. Searches filter on ts >= now() - retention as well, so a downgrade
-- hides older lines at once. See services/log-drain/README.md ("Storage").
CREATE SEQUENCE "log_lines_seq" AS BIGINT CACHE 1000;

CREATE TABLE "log_lines" (
    "tenant_id"  UUID NOT NULL,
    "expires_on" DATE NOT NULL,
    -- The line's own timestamp, clamped to the receipt time ± 1 day (a dyno with a wrong
    -- clock must not land in a partition that is about to be dropped or far ahead).
    "ts"         TIMESTAMPTZ(3) NOT NULL,
    -- Cursor tiebreak and stable order for lines with the same millisecond.
    "seq"        BIGINT NOT NULL DEFAULT nextval('log_lines_seq'),
    -- The timestamp as sent, only when it differs from ts (clamped or not RFC 3339).
    "ts_raw"     TEXT,
    -- APP-NAME: `app` for the customer's processes, `heroku` for the platform (spec §11.1).
    "source"     TEXT NOT NULL,
    "proc_id"    TEXT NOT NULL,
    "pri"        SMALLINT NOT NULL,
    "msg"        TEXT NOT NULL,
    -- Fields of `heroku router` lines (NULL on other lines).
    "status"     SMALLINT,
    "method"     TEXT,
    "path"       TEXT,
    "host"       TEXT,
    "connect_ms" INTEGER,
    "service_ms" INTEGER,
    "bytes"      BIGINT,
    "request_id" TEXT,
    "dyno"       TEXT
) PARTITION BY RANGE ("expires_on");

ALTER SEQUENCE "log_lines_seq" OWNED BY "log_lines"."seq";

-- The only index, on purpose: every query is one tenant's time range, newest first, and a
-- cursor continues at (ts, seq). A trigram GIN index on msg would cut COPY throughput
-- about 14× (measured 168k → 12k rows/s), so text search scans the tenant's range instead.
CREATE INDEX "log_lines_tenant_ts_idx" ON "log_lines" ("tenant_id", "ts" DESC, "seq" DESC);

-- The partitions themselves (log_lines_eYYYYMMDD, one per expiry day) are created ahead
-- and dropped after their day by the log-drain's maintenance task
-- (services/log-drain/src/store/pg-partitions.ts): the migration engine splits scripts on
-- semicolons, so no PL/pgSQL function bodies live here.
