-- Auto-disable needs the failure to be ongoing: the last failed attempt, so a gap of more than a
-- day between failures restarts the clock (docs/decisions/0032-auto-disable-continuous.md).
ALTER TABLE `webhook_endpoints` ADD `last_failure_at` integer;
