-- A rotation within another's 24-hour overlap keeps the older promised secret too: up to three
-- secrets sign at once (current, previous, older). See docs/decisions/0031-rotation-keeps-promises.md.
ALTER TABLE `webhook_endpoints` ADD `older_secret_enc` text;--> statement-breakpoint
ALTER TABLE `webhook_endpoints` ADD `older_secret_expires_at` integer;
