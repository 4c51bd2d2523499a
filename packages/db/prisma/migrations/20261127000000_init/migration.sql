-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "InstanceState" AS ENUM ('provisioning', 'provisioned', 'deprovisioning', 'deprovisioned', 'failed');

-- CreateEnum
CREATE TYPE "OperationKind" AS ENUM ('provision', 'change_plan', 'rotate_credentials', 'deprovision', 'purge');

-- CreateEnum
CREATE TYPE "OperationStatus" AS ENUM ('pending', 'running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "instances" (
    "uuid" UUID NOT NULL,
    "name" TEXT,
    "plan" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "driver" TEXT NOT NULL,
    "state" "InstanceState" NOT NULL DEFAULT 'provisioning',
    "options" JSONB NOT NULL DEFAULT '{}',
    "callback_url" TEXT,
    "log_input_url_enc" TEXT,
    "log_drain_token" TEXT,
    "response_status" INTEGER,
    "response_body_enc" TEXT,
    "config_enc" TEXT,
    "failure_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "provisioned_at" TIMESTAMPTZ(3),
    "deprovisioned_at" TIMESTAMPTZ(3),
    "purge_after" TIMESTAMPTZ(3),
    "purged_at" TIMESTAMPTZ(3),

    CONSTRAINT "instances_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "operations" (
    "id" UUID NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "kind" "OperationKind" NOT NULL,
    "status" "OperationStatus" NOT NULL DEFAULT 'pending',
    "params" JSONB NOT NULL DEFAULT '{}',
    "step" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oauth_tokens" (
    "instance_uuid" UUID NOT NULL,
    "grant_code_enc" TEXT,
    "grant_expires_at" TIMESTAMPTZ(3),
    "access_token_enc" TEXT,
    "refresh_token_enc" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oauth_tokens_pkey" PRIMARY KEY ("instance_uuid")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "event" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "log_tenants" (
    "id" UUID NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "drain_token" TEXT,
    "api_user" TEXT NOT NULL,
    "api_secret_hash" TEXT NOT NULL,
    "prev_api_secret_hash" TEXT,
    "prev_valid_until" TIMESTAMPTZ(3),
    "drain_user" TEXT NOT NULL,
    "drain_secret_hash" TEXT NOT NULL,
    "plan" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "log_tenants_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "instances_log_drain_token_key" ON "instances"("log_drain_token");

-- CreateIndex
CREATE INDEX "operations_status_next_attempt_at_idx" ON "operations"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "operations_instance_uuid_created_at_idx" ON "operations"("instance_uuid", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_instance_uuid_at_idx" ON "audit_events"("instance_uuid", "at");

-- CreateIndex
CREATE UNIQUE INDEX "log_tenants_instance_uuid_key" ON "log_tenants"("instance_uuid");

-- CreateIndex
CREATE UNIQUE INDEX "log_tenants_drain_token_key" ON "log_tenants"("drain_token");

-- CreateIndex
CREATE UNIQUE INDEX "log_tenants_api_user_key" ON "log_tenants"("api_user");

-- CreateIndex
CREATE UNIQUE INDEX "log_tenants_drain_user_key" ON "log_tenants"("drain_user");

-- AddForeignKey
ALTER TABLE "operations" ADD CONSTRAINT "operations_instance_uuid_fkey" FOREIGN KEY ("instance_uuid") REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "oauth_tokens" ADD CONSTRAINT "oauth_tokens_instance_uuid_fkey" FOREIGN KEY ("instance_uuid") REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_instance_uuid_fkey" FOREIGN KEY ("instance_uuid") REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "log_tenants" ADD CONSTRAINT "log_tenants_instance_uuid_fkey" FOREIGN KEY ("instance_uuid") REFERENCES "instances"("uuid") ON DELETE RESTRICT ON UPDATE CASCADE;

