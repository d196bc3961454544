-- Provider adapters (issue 12): provider context on connections, what an integration delivery
-- did (for the activity list), and external references claimed before a remote create.

-- Non-secret provider facts a credential needs (Salesforce instance_url, Zendesk subdomain, …).
ALTER TABLE `connections` ADD `context` text DEFAULT '{}' NOT NULL;
--> statement-breakpoint
-- Integration deliveries: what the last attempt did ("Created contact …") and the remote record.
ALTER TABLE `deliveries` ADD `summary` text;
--> statement-breakpoint
ALTER TABLE `deliveries` ADD `remote_url` text;
--> statement-breakpoint
-- (company, provider, kind, local id) → (remote id, remote URL). A row with remote_id NULL is a
-- claim held by a delivery (claimed_by) since claimed_at: racing creates make one remote record.
CREATE TABLE `external_refs` (
	`company_id` text NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`local_id` text NOT NULL,
	`remote_id` text,
	`remote_url` text,
	`claimed_by` text,
	`claimed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`company_id`, `provider`, `kind`, `local_id`)
);
--> statement-breakpoint
CREATE INDEX `external_refs_remote_idx` ON `external_refs` (`company_id`,`provider`,`kind`,`remote_id`);
