-- WhatsApp as a channel (issue 14). An outbound message delivered through a customer channel keeps
-- that channel's message id (WhatsApp wamid) and the last status the channel reported (accepted,
-- sent, delivered, read, failed) with its time and error. Status webhooks find the message by
-- (company, channel message id). Inbound webhooks find their connection by the business phone
-- number id, kept in connections.account_id.
ALTER TABLE `messages` ADD `channel_message_id` text;
--> statement-breakpoint
ALTER TABLE `messages` ADD `channel_status` text;
--> statement-breakpoint
ALTER TABLE `messages` ADD `channel_status_at` integer;
--> statement-breakpoint
ALTER TABLE `messages` ADD `channel_error` text;
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_channel_message_unique` ON `messages` (`company_id`,`channel_message_id`);
--> statement-breakpoint
CREATE INDEX `connections_provider_account_idx` ON `connections` (`provider`,`account_id`);
