-- Tern cache schema, version 9: COMPRESS=DEFLATE per account.
--
-- 1 (the default): compress the IMAP connection where the server offers COMPRESS=DEFLATE
-- (RFC 4978); 0: never (a server or middlebox that mishandles it, or a user who wants to
-- read the traffic).

ALTER TABLE account ADD COLUMN compress INTEGER NOT NULL DEFAULT 1;
