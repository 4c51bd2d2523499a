-- CreateTable
CREATE TABLE "dashboard_sessions" (
    "id_hash" TEXT NOT NULL,
    "instance_uuid" UUID NOT NULL,
    "user_id" TEXT,
    "email" TEXT,
    "app" TEXT,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "idle_expires_at" TIMESTAMPTZ(6) NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "dashboard_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateTable
CREATE TABLE "dashboard_sso_nonces" (
    "hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "dashboard_sso_nonces_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "dashboard_sessions_idle_expires_at_idx" ON "dashboard_sessions"("idle_expires_at");

-- CreateIndex
CREATE INDEX "dashboard_sso_nonces_expires_at_idx" ON "dashboard_sso_nonces"("expires_at");

-- AddForeignKey
ALTER TABLE "dashboard_sessions" ADD CONSTRAINT "dashboard_sessions_instance_uuid_fkey" FOREIGN KEY ("instance_uuid") REFERENCES "instances"("uuid") ON DELETE CASCADE ON UPDATE CASCADE;

