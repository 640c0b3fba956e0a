/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Certificates as the user pins them: the SHA-256 of the DER leaf, in lowercase hex. */

/* The hex digits of fingerprint, lowercase (colons, spaces dropped); NULL for none. */
char *tern_certificate_normalize_fingerprint (const char      *fingerprint) G_GNUC_WARN_UNUSED_RESULT;
char *tern_certificate_dup_sha256            (GTlsCertificate *certificate) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
