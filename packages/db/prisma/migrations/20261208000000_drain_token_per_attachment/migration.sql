-- A log_drain_token names the Heroku drain of one attachment (protocol 11.1), and Heroku
-- never repeats one. Still, a provision repeating the token of another add-on was refused
-- 422, though nothing in the protocol refuses it. The drain now finds a tenant by its own
-- drain credentials (unique) and checks the token against that tenant, so tokens need not
-- be unique. (No semicolons in these comments: the migration runner splits on them.)

-- DropIndex
DROP INDEX "instances_log_drain_token_key";

-- log_tenants belongs to the log store (packages/log-store), and no statement reads it by token.
DROP INDEX "log_tenants_drain_token_key";
