-- Least privilege for the Zapier key (issue 16 item 3, ADR 0080): an existing Zapier key loses
-- webhooks:read and webhooks:write (which reach every endpoint of the company, secrets included)
-- and gets `hooks`, which reaches only Zapier subscriptions. Its other scopes are kept.
UPDATE `api_keys`
SET `scopes` = (
	SELECT json_group_array(`value`) FROM (
		SELECT `value` FROM json_each(`api_keys`.`scopes`) WHERE `value` NOT IN ('webhooks:read', 'webhooks:write', 'hooks')
		UNION ALL
		SELECT 'hooks'
	)
)
WHERE `kind` = 'zapier';
