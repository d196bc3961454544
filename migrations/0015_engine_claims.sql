-- One retry chain per delivery and claimed event dispatch (docs/decisions/0030-engine-claims.md).
-- deliveries.run: bumped by Resend/Replay, so messages of an earlier chain are recognised as stale.
-- deliveries.lease_until: while set in the future, one consumer holds the delivery's attempt.
-- deliveries.sweeps: times the sweeper re-sent it since its last recorded attempt (bounded).
ALTER TABLE `deliveries` ADD `run` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `sweeps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_pending_due_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
-- events: a dispatch is claimed with a lease; the outbox sweeper stamps swept_at and counts sweeps.
ALTER TABLE `events` ADD `dispatch_lease_until` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `dispatch_attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `swept_at` integer;--> statement-breakpoint
ALTER TABLE `events` ADD `dispatch_error` text;
