-- Tern cache schema, version 7: server-side rules (ManageSieve, RFC 5804).
--
-- Where an account's rules live, and Tern's script for them. No row: the IMAP host on port
-- 4190 (STARTTLS, the account's login and certificate pin). script is the Sieve script Tern
-- last wrote for the account (its rules in Tern's form); dirty is set while a change made here
-- (offline, or refused for a reason that may pass) has not reached the server yet, with the
-- last attempt's error. Only Tern's own script (named "tern") is ever written; a script made
-- elsewhere is never replaced without the user's word.
CREATE TABLE sieve_settings (
  account_id       INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  host             TEXT,
  port             INTEGER,
  disabled         INTEGER NOT NULL DEFAULT 0,
  script           TEXT,
  dirty            INTEGER NOT NULL DEFAULT 0,
  error            TEXT,
  changed          INTEGER
);
