/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tern-certificate.h"

char *
tern_certificate_normalize_fingerprint (const char *fingerprint)
{
  GString *out;

  if (fingerprint == NULL || *fingerprint == '\0')
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = fingerprint; *p != '\0'; p++)
    if (g_ascii_isxdigit (*p))
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

char *
tern_certificate_dup_sha256 (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}
