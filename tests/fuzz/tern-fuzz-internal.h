/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Every internal (underscore) name of sync/ and cache/ the fuzz targets call, in one place:
 * when files move or internal API is renamed, this header is all that changes.
 *
 *   _tern_utf7_decode, _tern_utf7_encode, _tern_imap_quote (sync/imap: tern-imap-utils.h)
 *   _tern_date_time_to_unix                               (sync/imap: tern-imap-convert.h)
 *   _tern_parse_date, _tern_parse_date_fast               (sync/mime: tern-mime.h)
 *   _tern_bodies_pick_text                                (sync/engine: tern-bodies.h)
 *   _tern_bodies_decode = tern_mime_decode_body           (sync/mime: tern-mime.h)
 *   _tern_threads_collect_ids                             (cache: tern-store-private.h)
 */

#include "tern-bodies.h"
#include "tern-imap-convert.h"
#include "tern-imap-utils.h"
#include "tern-mime.h"
#include "tern-store-private.h"

#define _tern_bodies_decode tern_mime_decode_body
