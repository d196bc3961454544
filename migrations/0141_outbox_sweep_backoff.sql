-- Issue 19 (docs/decisions/0101-outbox-sweep-backoff.md): the outbox sweeper counts its re-sends of
-- an event, backs off between them (next_sweep_at) and gives the event up after a bound, so an event
-- no consumer ever claims stops being re-sent. An event already swept keeps its place in the backoff.
ALTER TABLE `events` ADD `sweeps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `next_sweep_at` integer;--> statement-breakpoint
UPDATE `events` SET `sweeps` = 1, `next_sweep_at` = `swept_at` + 300000 WHERE `swept_at` IS NOT NULL AND `dispatched_at` IS NULL;
