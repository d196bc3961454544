-- The outbox sweeper (docs/decisions/0101-outbox-sweep-backoff.md) pages undispatched events by
-- (sweeps, created_at): with this index the page is read in order, never a sort of all of them.
CREATE INDEX `events_outbox_sweep_idx` ON `events` (`dispatched_at`,`sweeps`,`created_at`);
