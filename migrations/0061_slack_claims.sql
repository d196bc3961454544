-- One Slack parent message per conversation, and one daily summary per company and local day, both
-- claimed in D1 (docs/decisions/0061-slack-claims.md).
-- slack_threads rows may now be a claim: channel and thread_ts are null while the claimant
-- (claimed_by, a delivery id) posts the parent; claimed_at lets a stale claim be taken over.
CREATE TABLE `__new_slack_threads` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`channel` text,
	`thread_ts` text,
	`claimed_by` text,
	`claimed_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_slack_threads` (`conversation_id`, `company_id`, `channel`, `thread_ts`, `created_at`)
	SELECT `conversation_id`, `company_id`, `channel`, `thread_ts`, `created_at` FROM `slack_threads`;
--> statement-breakpoint
DROP TABLE `slack_threads`;
--> statement-breakpoint
ALTER TABLE `__new_slack_threads` RENAME TO `slack_threads`;
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_threads_channel_ts_unique` ON `slack_threads` (`company_id`,`channel`,`thread_ts`);
--> statement-breakpoint
CREATE TABLE `slack_summaries` (
	`company_id` text NOT NULL,
	`day` text NOT NULL,
	`connection_id` text NOT NULL,
	`claimed_at` integer NOT NULL,
	`posted_at` integer,
	PRIMARY KEY(`company_id`, `day`)
);
