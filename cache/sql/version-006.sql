-- Tern cache schema, version 6: identities.
--
-- The addresses a user writes from in an account besides its own (aliases), each with an
-- optional name, Reply-To and signature, listed in position order. The account's own email
-- is always its default identity; a row with that address gives it a name, Reply-To or
-- signature.

CREATE TABLE identity (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name             TEXT,
  address          TEXT NOT NULL COLLATE NOCASE,
  reply_to         TEXT,
  signature        TEXT,
  position         INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, address)
);
