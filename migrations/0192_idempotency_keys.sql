-- Idempotency-Key on /v1 POST and PATCH (docs/decisions/0173-idempotency-keys.md): one row per company
-- and key, claimed by an upsert before the route runs, then holding the route's sealed 2xx answer for
-- 24 hours. The cron purges expired keys through the expires_at index.
CREATE TABLE `idempotency_keys` (
	`company_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`api_key_id` text NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`response_enc` text,
	`created_at` integer NOT NULL,
	`locked_until` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`company_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);
