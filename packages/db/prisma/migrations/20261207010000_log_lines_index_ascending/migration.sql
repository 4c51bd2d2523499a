-- log_lines' one index in ascending order: (tenant_id, ts, seq) instead of
-- (tenant_id, ts DESC, seq DESC). Searches still read newest first: PostgreSQL walks the
-- same index backwards ("Index Scan Backward", with the cursor's (ts, seq) < (…) as an index
-- condition), so no query changes.
--
-- Why: lines arrive in time order. In the descending index each new line of a tenant goes in
-- front of that tenant's older ones, where B-tree page splits leave both halves half full;
-- in the ascending one it goes at the end of the tenant's range, where PostgreSQL detects the
-- increasing insertions and splits to leave the left page full. Measured here (one-off:
-- 1.5 M rows in 10,000-row transactions, 90 % one tenant, ts increasing, alternated twice):
-- index 82.1 MB against 137.3 MB, WAL 436.5 MB against 485 MB, 257k and 289k rows/s
-- inserted against 237k and 240k. A smaller index also stays in shared_buffers longer as a
-- day's partition grows.
--
-- Rebuilding takes a lock that makes the log writer wait until it is done: drains keep
-- being acknowledged meanwhile (the batches wait in JetStream), and the writer catches up.
DROP INDEX "log_lines_tenant_ts_idx";

CREATE INDEX "log_lines_tenant_ts_idx" ON "log_lines" ("tenant_id", "ts", "seq");
