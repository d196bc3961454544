-- Issue 17 (docs/decisions/0100-provider-neutral-hook-source.md): generic code never names a
-- provider. A webhook endpoint managed by an integration (Zapier's REST hook subscriptions) carries
-- the provider-neutral source `rest_hook`; which integration owns it is the registry's answer.
-- The column has no CHECK constraint (drizzle's text enum is TypeScript-only), so an UPDATE is
-- enough; no table rebuild. The tombstones of removed hooks (inbound_receipts, 410 at /v1/hooks/:id)
-- move to the neutral source name too, so a hook removed before this migration still answers 410.
UPDATE `webhook_endpoints` SET `source` = 'rest_hook' WHERE `source` = 'zapier';--> statement-breakpoint
UPDATE `inbound_receipts` SET `source` = 'rest_hook_deleted' WHERE `source` = 'zapier_hook_deleted';
