-- log_lines.seq in blocks: the log writer takes one nextval per transaction (per 65,536
-- rows) and numbers its rows from it in the binary COPY, instead of PostgreSQL evaluating
-- the column default for every row. Blocks from different writers never overlap, and rows
-- inserted with the default simply use the first value of a block. seq only orders lines
-- of the same millisecond and continues cursors, so the gaps do not matter.
-- Must equal SEQ_BLOCK in services/log-drain/src/store/pg-log-store.ts.
ALTER SEQUENCE "log_lines_seq" INCREMENT BY 65536 CACHE 1;
