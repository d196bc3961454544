-- /v1/events lists events in commit order (docs/decisions/0062-event-commit-order.md). seq is
-- assigned inside each INSERT as max(seq) + 1: D1 runs writes one at a time, so seq order is the
-- order in which the changes committed, and the events of one change get consecutive numbers.
ALTER TABLE `events` ADD `seq` integer;
--> statement-breakpoint
UPDATE `events` SET `seq` = rowid;
--> statement-breakpoint
CREATE UNIQUE INDEX `events_seq_unique` ON `events` (`seq`);
--> statement-breakpoint
CREATE INDEX `events_company_seq_idx` ON `events` (`company_id`,`seq`);
