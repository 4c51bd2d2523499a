-- No semicolon may stand in a comment here: the migration runner splits statements on it.
-- The W3C traceparent of the request that enqueued an operation (service-kit tracing.ts):
-- the allocator continues that trace even when it claims the row by sweeping, not from
-- the NATS wake-up that carries the same context. Generated with prisma migrate diff.
-- AlterTable
ALTER TABLE "operations" ADD COLUMN     "traceparent" TEXT;

