-- Tern cache schema, version 12: preview lines from the server (#14 item 12).
--
-- message.preview: the server's PREVIEW (RFC 8970) of a message, fetched instead of its
-- text where the account asks for it (a slow link); NULL if not fetched. The message list
-- shows the start of the cached text when there is one, else this.
-- account.server_previews: 1: fetch PREVIEW with the headers where the server offers it.
ALTER TABLE message ADD COLUMN preview TEXT;
ALTER TABLE account ADD COLUMN server_previews INTEGER NOT NULL DEFAULT 0;
