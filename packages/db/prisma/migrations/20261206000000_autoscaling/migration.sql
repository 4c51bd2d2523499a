-- No semicolon may stand in a comment here: the migration runner splits statements on it.
-- AlterEnum
ALTER TYPE "OperationKind" ADD VALUE 'scale';

-- CreateTable
CREATE TABLE "router_windows" (
    "tenant_id" UUID NOT NULL,
    "process_type" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "statuses" INTEGER[],
    "errors" JSONB NOT NULL DEFAULT '{}',
    "service" INTEGER[],
    "connect" INTEGER[],
    "queue" INTEGER[],
    "load_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "load_samples" INTEGER NOT NULL DEFAULT 0,
    "load_max" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "router_windows_pkey" PRIMARY KEY ("tenant_id","process_type","window_start")
);

-- CreateTable
CREATE TABLE "autoscale_policies" (
    "instance_uuid" UUID NOT NULL,
    "process_type" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "autoscale_policies_pkey" PRIMARY KEY ("instance_uuid","process_type")
);

-- CreateTable
CREATE TABLE "autoscale_state" (
    "instance_uuid" UUID NOT NULL,
    "process_type" TEXT NOT NULL,
    "quantity" INTEGER,
    "size" TEXT,
    "formation_at" TIMESTAMPTZ(3),
    "last_change_at" TIMESTAMPTZ(3),
    "last_change_from" INTEGER,
    "last_change_to" INTEGER,
    "last_change_by" TEXT,
    "last_decision" JSONB,
    "last_decision_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "autoscale_state_pkey" PRIMARY KEY ("instance_uuid","process_type")
);

-- CreateTable
CREATE TABLE "autoscale_apps" (
    "instance_uuid" UUID NOT NULL,
    "app_id" TEXT,
    "app_name" TEXT,
    "last_release_at" TIMESTAMPTZ(3),
    "authorization" TEXT,
    "rate_limit_remaining" INTEGER,
    "rate_limited_until" TIMESTAMPTZ(3),
    "webhook_id" TEXT,
    "webhook_secret_enc" TEXT,
    "webhook_problem" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "autoscale_apps_pkey" PRIMARY KEY ("instance_uuid")
);

-- CreateTable
CREATE TABLE "autoscale_decisions" (
    "id" BIGSERIAL NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "process_type" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "from_quantity" INTEGER NOT NULL,
    "to_quantity" INTEGER NOT NULL,
    "applied" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "operation_id" UUID,

    CONSTRAINT "autoscale_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_oauth_tokens" (
    "instance_uuid" UUID NOT NULL,
    "user_id" TEXT,
    "authorization_id" TEXT,
    "scope" TEXT NOT NULL,
    "access_token_enc" TEXT NOT NULL,
    "refresh_token_enc" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_oauth_tokens_pkey" PRIMARY KEY ("instance_uuid")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "event_id" TEXT NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "resource" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "router_windows_window_start_idx" ON "router_windows"("window_start");

-- CreateIndex
CREATE INDEX "autoscale_decisions_instance_at_idx" ON "autoscale_decisions"("instance_uuid", "at");

-- CreateIndex
CREATE INDEX "webhook_events_received_at_idx" ON "webhook_events"("received_at");


-- Written by hand: router_windows rows merge by adding when two writers saw lines of the
-- same window (INSERT ... ON CONFLICT DO UPDATE). Histograms add element-wise, error
-- counts add per code.
CREATE FUNCTION addonkit_int_array_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) ORDER BY i), '{}'::integer[])
  FROM generate_series(1, greatest(coalesce(array_length(a, 1), 0), coalesce(array_length(b, 1), 0))) AS i
$$;

CREATE FUNCTION addonkit_jsonb_counts_add(a jsonb, b jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_object_agg(k, n), '{}'::jsonb)
  FROM (
    SELECT k, sum(n) AS n
    FROM (SELECT key AS k, value::text::bigint AS n FROM jsonb_each(coalesce(a, '{}'::jsonb))
          UNION ALL
          SELECT key, value::text::bigint FROM jsonb_each(coalesce(b, '{}'::jsonb))) AS counts
    GROUP BY k
  ) AS sums
$$;
