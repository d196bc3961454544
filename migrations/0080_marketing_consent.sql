-- Marketing consent of a conversation's contact (issue 13): only contacts who gave it are sent to
-- Mailchimp or ActiveCampaign. Existing rows stay valid: they read as "no consent" (false, stored as 0).
ALTER TABLE `conversations` ADD `contact_marketing_consent` integer DEFAULT false NOT NULL;
