-- Issue 15 (large company): the endpoints' 24-hour success sparklines read a per-endpoint, per-hour
-- rollup (≤ 24 rows per endpoint) instead of every attempt of the last day (~17,000 on the bench's
-- large company). A trigger keeps it in the same transaction as the attempt, so whoever writes an
-- attempt (consumer, Test, verify) needs no code to keep it right. See docs/decisions/0130-hourly-rollup.md.
CREATE TABLE `endpoint_hourly` (
	`endpoint_id` text NOT NULL,
	`company_id` text NOT NULL,
	`hour` integer NOT NULL,
	`ok` integer DEFAULT 0 NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`endpoint_id`, `hour`)
);
--> statement-breakpoint
CREATE INDEX `endpoint_hourly_company_hour_idx` ON `endpoint_hourly` (`company_id`,`hour`);
--> statement-breakpoint
CREATE INDEX `endpoint_hourly_hour_idx` ON `endpoint_hourly` (`hour`);
--> statement-breakpoint
CREATE TRIGGER `delivery_attempts_hourly` AFTER INSERT ON `delivery_attempts`
BEGIN
	INSERT INTO `endpoint_hourly` (`endpoint_id`, `company_id`, `hour`, `ok`, `total`)
	SELECT d.`target_id`, NEW.`company_id`, NEW.`at` - NEW.`at` % 3600000,
		CASE WHEN NEW.`status_code` BETWEEN 200 AND 299 THEN 1 ELSE 0 END, 1
	FROM `deliveries` d WHERE d.`id` = NEW.`delivery_id` AND d.`target_kind` = 'webhook'
	ON CONFLICT (`endpoint_id`, `hour`) DO UPDATE SET `ok` = `ok` + excluded.`ok`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoints_hourly_cleanup` AFTER DELETE ON `webhook_endpoints`
BEGIN
	DELETE FROM `endpoint_hourly` WHERE `endpoint_id` = OLD.`id`;
END;
--> statement-breakpoint
-- The last two days of history, so the sparklines are whole from the first deploy.
INSERT INTO `endpoint_hourly` (`endpoint_id`, `company_id`, `hour`, `ok`, `total`)
SELECT d.`target_id`, a.`company_id`, a.`at` - a.`at` % 3600000,
	SUM(CASE WHEN a.`status_code` BETWEEN 200 AND 299 THEN 1 ELSE 0 END), COUNT(*)
FROM `delivery_attempts` a JOIN `deliveries` d ON d.`id` = a.`delivery_id`
WHERE a.`at` >= (CAST(strftime('%s', 'now') AS INTEGER) - 2 * 86400) * 1000 AND d.`target_kind` = 'webhook'
GROUP BY d.`target_id`, a.`company_id`, a.`at` - a.`at` % 3600000;
