-- Tern cache schema, version 8: what Tern learnt about an account's server.
--
-- How a server behaves, found out while working with it and remembered so that the safe way
-- is taken from then on (issue #10): a UID SEARCH by UID whose answers cannot be trusted, the
-- login mechanism that worked, a server that drops flags on COPY/MOVE, the personal
-- namespace's prefix and delimiter (for folders created offline). One row per account and
-- trait. Traits describe behaviour, never a server's name or product.

CREATE TABLE server_trait (
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  value            TEXT NOT NULL,
  PRIMARY KEY (account_id, name)
);

-- RFC 2086 rights (e.g. "acdilrsw", without any of RFC 4314's k, x, t, e) were stored as
-- the server wrote them and read literally; they are asked for again at the next sync and
-- then read as RFC 4314 section 2.1.1 says.
UPDATE folder SET myrights = NULL
  WHERE myrights IS NOT NULL AND myrights NOT GLOB '*[kxte]*';
