-- Retention (issue 15 item 5, docs/decisions/0087-retention.md): the cron purges expired history
-- oldest first in small batches, each found through an index on the time it expires by. Events use
-- events_undispatched_idx (dispatched_at); a pending replay send keeps its event, found by event_id.
CREATE INDEX `deliveries_updated_idx` ON `deliveries` (`updated_at`);
--> statement-breakpoint
CREATE INDEX `delivery_attempts_at_idx` ON `delivery_attempts` (`at`);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);
--> statement-breakpoint
CREATE INDEX `webhook_replay_sends_event_idx` ON `webhook_replay_sends` (`event_id`);
