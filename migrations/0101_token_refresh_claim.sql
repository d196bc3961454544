-- A rotating refresh token is never spent twice (issue 16 item 6, ADR 0082): the right to refresh
-- a connection's token is claimed in D1 with one conditional UPDATE, and every save of new
-- credentials bumps credentials_version, so a reader holding an older copy of the KV entry
-- (KV is eventually consistent) can never claim with it.
ALTER TABLE `connections` ADD `credentials_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `connections` ADD `refresh_claimed_until` integer;
