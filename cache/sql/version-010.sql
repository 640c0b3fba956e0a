-- Tern cache schema, version 10: how an account signs in, and where its settings came from.
--
-- auth: 'password' (the keyring or a password command), 'oauth2' (Tern's own sign-in in the
-- browser: the refresh token is in the keyring, access tokens only in memory) or 'goa' (GNOME
-- Online Accounts holds the credentials: goa_id names the account there, and an access token
-- is asked of it each time one is needed).
-- oauth2_*: the provider's endpoints and scopes, as discovery found them (issuer, the
-- authorization and token URLs, the space-separated scopes) and the client id Tern uses there.
-- auth_state: NULL while signing in works; 'sign-in' when the provider refused the refresh
-- token (revoked or expired: the user signs in again); 'goa-removed' / 'goa-mail-off' when the
-- GNOME Online Accounts account is gone or its mail is turned off. Shown, never retried.
-- setup_source: where the server settings came from ('autoconfig', 'ispdb', 'srv', 'mx',
-- 'guess', 'manual', 'goa', 'demo'), shown with the account; NULL for accounts from before.
ALTER TABLE account ADD COLUMN auth TEXT NOT NULL DEFAULT 'password'
  CHECK (auth IN ('password', 'oauth2', 'goa'));
ALTER TABLE account ADD COLUMN oauth2_issuer TEXT;
ALTER TABLE account ADD COLUMN oauth2_client_id TEXT;
ALTER TABLE account ADD COLUMN oauth2_auth_url TEXT;
ALTER TABLE account ADD COLUMN oauth2_token_url TEXT;
ALTER TABLE account ADD COLUMN oauth2_scope TEXT;
ALTER TABLE account ADD COLUMN goa_id TEXT;
ALTER TABLE account ADD COLUMN auth_state TEXT;
ALTER TABLE account ADD COLUMN setup_source TEXT;

-- An account without submission settings no longer sends through a guess (its IMAP host on
-- 465): it has no outgoing server until one is set up. An account that has sent through the
-- guess already (a sent message is still on record) keeps that server, written down.
INSERT INTO smtp_settings (account_id, host, port, security)
  SELECT a.id, a.host, 465, 'tls' FROM account a
  WHERE NOT EXISTS (SELECT 1 FROM smtp_settings s WHERE s.account_id = a.id)
    AND EXISTS (SELECT 1 FROM outbox o WHERE o.account_id = a.id AND o.state = 'sent');
