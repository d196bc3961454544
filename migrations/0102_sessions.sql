-- Browser sessions move from KV to D1 (issue 16 item 6, ADR 0083): D1 is read at its primary, so
-- signing out (deleting the row) takes effect at once everywhere, where a KV delete can take up to
-- a minute to reach other locations; last_seen_at gives an idle timeout. The id is the SHA-256 of
-- the token in the signed cookie, so a copy of this table opens no session.
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`company_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);
