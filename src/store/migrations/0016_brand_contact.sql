-- Where Laurel writes to the brand itself: the mail that says a webhook
-- endpoint was disabled after failing for 3 days. Null: no one is told.
alter table brands add column contact_email text;
