-- Issue 18 items 1 and 3 (docs/decisions/0085-verify-and-replay-anywhere.md).
-- receiver_checks: the last "Verify my receiver" runs of an endpoint (three synthetic deliveries
-- that never enter the delivery log); checks = [{ name, passed, status, detail }].
CREATE TABLE `receiver_checks` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`url` text NOT NULL,
	`passed` integer NOT NULL,
	`checks` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `receiver_checks_endpoint_idx` ON `receiver_checks` (`company_id`,`endpoint_id`,`created_at`);--> statement-breakpoint
-- webhook_replays: one delivery or a time range of an endpoint's deliveries sent to another URL.
-- Each event sent is a webhook_replay_sends row; the endpoint's deliveries and counters are untouched.
CREATE TABLE `webhook_replays` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`endpoint_id` text NOT NULL,
	`url` text NOT NULL,
	`delivery_id` text,
	`range_from` integer,
	`range_to` integer,
	`total` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_replays_endpoint_idx` ON `webhook_replays` (`company_id`,`endpoint_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `webhook_replay_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`replay_id` text NOT NULL,
	`event_id` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`status_code` integer,
	`error` text,
	`duration_ms` integer,
	`attempted_at` integer,
	`lease_until` integer,
	`sweeps` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_replay_sends_replay_idx` ON `webhook_replay_sends` (`replay_id`);--> statement-breakpoint
CREATE INDEX `webhook_replay_sends_pending_idx` ON `webhook_replay_sends` (`status`,`created_at`);
