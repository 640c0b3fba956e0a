/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "tern-compose.h"

G_BEGIN_DECLS

/* Shared by the files behind tern-compose.h (sync/mime/ only). */

/* GMime 3.2 declares no autoptr cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMultipart, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeContentType, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)

/* CRLF line ends and RFC 2231 parameters, as every message Tern writes. (transfer full) */
GMimeFormatOptions *_tern_compose_format_options (void);

/* internet_address_list_parse() of a list from anywhere. One whose comments or quotes do not
 * close is mended first (GMime 3.2.13 leaks on an unclosed comment): its quotes and
 * backslashes become spaces, its open comments are closed. NULL for NULL or "". (transfer full) */
InternetAddressList *_tern_address_list_parse (const char *text);

G_END_DECLS
