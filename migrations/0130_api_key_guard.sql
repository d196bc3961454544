-- The /v1 API key check rides in the request's first D1 batch (docs/decisions/0045-api-key-check-in-the-batch.md).
-- For a batch that writes, the check is an INSERT into this view: the trigger aborts the whole
-- batch (a D1 batch is one transaction) unless the key is still valid at `at` and still has the
-- scopes and kind the isolate cached; otherwise nothing is written.
CREATE VIEW api_key_guard AS SELECT NULL AS key_id, NULL AS key_hash, NULL AS scopes, NULL AS kind, NULL AS at;

CREATE TRIGGER api_key_guard_check INSTEAD OF INSERT ON api_key_guard
WHEN NOT EXISTS (
  SELECT 1 FROM api_keys
  WHERE id = NEW.key_id AND hash = NEW.key_hash
    AND json(scopes) = json(NEW.scopes) AND kind = NEW.kind
    AND (revoked_at IS NULL OR revoked_at > NEW.at)
    AND (expires_at IS NULL OR expires_at > NEW.at)
)
BEGIN
  SELECT RAISE(ABORT, 'api key no longer valid');
END;
