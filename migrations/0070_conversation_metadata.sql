-- Conversation metadata (issue 13): short string key/value pairs the widget or an API client
-- attaches when it starts a conversation (the Google Analytics client id, the Segment anonymous id).
ALTER TABLE `conversations` ADD `metadata` text DEFAULT '{}' NOT NULL;
