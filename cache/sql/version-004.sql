-- Tern cache schema, version 4: sending mail (an outbox and SMTP submission settings).

-- How an account submits mail (RFC 6409). No row: the IMAP host with implicit TLS on 465 and
-- the IMAP user. No password here either: submission uses the account's (keyring or command).
-- pinned_sha256 is the SHA-256 of a DER leaf certificate the user accepted for this server; the
-- account's IMAP pin applies as well when both servers have the same host name.
-- server_saves_sent: the server files a copy of each submitted message in Sent itself, so Tern
-- does not APPEND one (Gmail, some submission services with a Sent-copy feature).
CREATE TABLE smtp_settings (
  account_id       INTEGER PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  host             TEXT,
  port             INTEGER,
  security         TEXT NOT NULL DEFAULT 'tls' CHECK (security IN ('tls', 'starttls')),
  user             TEXT,
  pinned_sha256    TEXT,
  server_saves_sent INTEGER NOT NULL DEFAULT 0
);

-- The outbox: messages the user sent, until the submission server took them. The message
-- itself is a file (CRLF, Bcc included: it is never transmitted) under <cache dir>/outbox/,
-- streamed from there; this row is its state.
--
-- state:
--   queued   waiting to go: new, or a retry-later failure (error set, next_attempt says when)
--   sending  a submission is under way. stage 0: the end of the data has not been handed
--            over yet, so the server cannot have accepted it (a crash puts it back in the
--            queue); stage 1: it has, and until the server's answer is stored the outcome is
--            unknown (a crash makes it 'unknown')
--   unknown  it may or may not have been sent: never resent without the user's word
--   failed   refused (a recipient, the size, the password, the certificate): with the reason,
--            for the user to edit and retry
--   sent     accepted by the server; follow_up is set while the Sent copy, \Answered and
--            $Forwarded are still to be queued in the journal; kept briefly for the record
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  path             TEXT NOT NULL,
  size             INTEGER NOT NULL,
  message_id       TEXT NOT NULL,
  subject          TEXT,
  mail_from        TEXT NOT NULL,
  recipients       TEXT NOT NULL,           -- envelope recipients (Bcc too), one a line
  answers          TEXT,                    -- Message-IDs of the originals to mark \Answered
  forwards         TEXT,                    -- ... and $Forwarded
  draft            INTEGER,                 -- local id of the draft it was written as
  state            TEXT NOT NULL DEFAULT 'queued'
                   CHECK (state IN ('queued', 'sending', 'unknown', 'failed', 'sent')),
  stage            INTEGER NOT NULL DEFAULT 0,
  error_class      TEXT,
  error            TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt     INTEGER NOT NULL DEFAULT 0,
  created          INTEGER NOT NULL,
  sent             INTEGER,
  follow_up        INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX outbox_queue ON outbox (account_id, state, id);
