-- Contacts without email (issue 14): a conversation's contact has an email, an E.164 phone
-- (WhatsApp), or both. contact_email loses NOT NULL, which SQLite can only do by rebuilding the
-- table: copy every row, swap the tables, then recreate the indexes. Every existing row has an
-- email, so every row satisfies the new CHECK.
CREATE TABLE `conversations_new` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`channel` text NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`contact_email` text,
	`contact_phone` text,
	`contact_name` text,
	`subject` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer,
	`escalated_at` integer,
	CONSTRAINT "conversations_contact_check" CHECK("contact_email" IS NOT NULL OR "contact_phone" IS NOT NULL)
);
--> statement-breakpoint
INSERT INTO `conversations_new` (`id`, `company_id`, `channel`, `status`, `contact_email`, `contact_phone`, `contact_name`, `subject`, `created_at`, `updated_at`, `closed_at`, `escalated_at`)
SELECT `id`, `company_id`, `channel`, `status`, `contact_email`, NULL, `contact_name`, `subject`, `created_at`, `updated_at`, `closed_at`, `escalated_at` FROM `conversations`;
--> statement-breakpoint
DROP TABLE `conversations`;
--> statement-breakpoint
ALTER TABLE `conversations_new` RENAME TO `conversations`;
--> statement-breakpoint
CREATE INDEX `conversations_company_idx` ON `conversations` (`company_id`,`id`);
--> statement-breakpoint
CREATE INDEX `conversations_company_phone_idx` ON `conversations` (`company_id`,`contact_phone`,`status`);
