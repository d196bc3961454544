-- Costs that stay flat as data grows (issue 15 item 4): every statement the pages, /v1, the
-- consumers and the cron send finds its rows through an index (tests/workers/query-plans.test.ts).
-- These three cron jobs read whole tables: auto-disable (endpoints failing since a time), the token
-- refresh (connections expiring soon) and the Slack summary claims' cleanup.
CREATE INDEX `webhook_endpoints_failing_idx` ON `webhook_endpoints` (`failing_since`);
--> statement-breakpoint
CREATE INDEX `connections_token_expires_idx` ON `connections` (`token_expires_at`);
--> statement-breakpoint
CREATE INDEX `slack_summaries_claimed_idx` ON `slack_summaries` (`claimed_at`);
--> statement-breakpoint
-- Pages newest first that had to sort a whole history before their LIMIT: an endpoint's (or an
-- integration's) deliveries by id, a company's events of one type by seq (/v1/events?type=, Zapier's
-- samples), and the forwarded emails on the email settings page by id.
CREATE INDEX `deliveries_target_recent_idx` ON `deliveries` (`company_id`,`target_kind`,`target_id`,`id`);
--> statement-breakpoint
CREATE INDEX `events_company_type_seq_idx` ON `events` (`company_id`,`type`,`seq`);
--> statement-breakpoint
CREATE INDEX `messages_company_source_idx` ON `messages` (`company_id`,`source`,`direction`,`id`);
