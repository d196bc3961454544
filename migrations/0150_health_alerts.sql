-- Health alerts (issue 18 item 4, docs/decisions/0110-health-alerts.md): one row per company and
-- problem ("connection:hubspot", "endpoint_failing:whe_…"), open while resolved_at is null. The
-- day of its last notification is claimed by a conditional UPDATE, so two runs never both notify.
CREATE TABLE `health_alerts` (
	`company_id` text NOT NULL,
	`problem_key` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`detail` text,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	`last_notified_day` text,
	PRIMARY KEY(`company_id`, `problem_key`)
);
CREATE INDEX `health_alerts_open_idx` ON `health_alerts` (`resolved_at`,`company_id`);
-- The alerts sweep finds connections that need reconnecting across companies without a scan.
CREATE INDEX `connections_status_idx` ON `connections` (`status`);
