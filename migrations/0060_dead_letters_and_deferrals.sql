-- Dead letters are kept where an operator can see and replay them (docs/decisions/0060-queues-and-dead-letters.md).
-- One row per message a queue gave up on; replay_requested_at is set by `node scripts/dlq.mjs replay`,
-- and the cron re-sends the message to its queue (claimed by a conditional UPDATE that sets replayed_at).
CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`received_at` integer NOT NULL,
	`replay_requested_at` integer,
	`replayed_at` integer
);
--> statement-breakpoint
CREATE INDEX `dead_letters_received_idx` ON `dead_letters` (`received_at`);
--> statement-breakpoint
CREATE INDEX `dead_letters_replay_idx` ON `dead_letters` (`replay_requested_at`,`replayed_at`);
--> statement-breakpoint
-- A delivery can be deferred (not attempted, not counted) while another attempt holds what it needs,
-- e.g. Slack's parent message being posted; bounded per attempt (webhooks/consumer.server.ts).
ALTER TABLE `deliveries` ADD `deferrals` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
-- An inbound callback (a Slack event) is held in D1 with its receipt until processed: D1 reads are
-- consistent, KV reads may not yet see a value written a moment ago in another location.
ALTER TABLE `inbound_receipts` ADD `payload` text;
