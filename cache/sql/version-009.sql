-- Tern cache schema, version 9: a number reserved for another branch's migration
-- (renumbered when the branches are merged). Nothing to change here.
SELECT 1;
