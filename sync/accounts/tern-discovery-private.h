/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-accounts-private.h"
#include "tern-account-discovery.h"

G_BEGIN_DECLS

/* tern-discovery-probe.c: kind "imap" or "smtp". */
gboolean _tern_discovery_probe (const TernNetOptions  *options,
                                const char            *kind,
                                const char            *host,
                                guint16                port,
                                gboolean               starttls,
                                GCancellable          *cancellable,
                                GError               **error);

G_END_DECLS
