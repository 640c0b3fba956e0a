/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"
#include "tern-sync.h"

G_BEGIN_DECLS

/* Inside sync/engine/ only: the pieces of opening a message (tern-bodies.c) that the
 * batched prefetch (tern-prefetch.c) shares. Owner thread only, like TernSync. */

/* The part a reader shows: the first text part that is not an attachment (nor inside an
 * attached message), or its HTML/plain sibling in a multipart/alternative. */
const TernPart *_tern_bodies_pick_text (TernMessage  *message,
                                        gboolean      prefer_html);

typedef enum
{
  TERN_BODIES_PART,    /* the text part */
  TERN_BODIES_WHOLE,   /* no usable structure: the whole message, parsed with GMime */
  TERN_BODIES_NO_TEXT, /* nothing to show but attachments */
} TernBodiesPlan;

TernBodiesPlan  _tern_bodies_plan_text          (TernMessage     *m,
                                                 const TernPart **part_out);
/* The message, with folder and UID where the server has it now (queued moves included). */
gboolean        _tern_bodies_locate             (TernSync        *self,
                                                 gint64           message_id,
                                                 TernMessage    **message,
                                                 TernFolder     **folder,
                                                 GError         **error);
gboolean        _tern_bodies_text_from_blob     (TernSync        *self,
                                                 TernMessage     *m,
                                                 GError         **error);
gboolean        _tern_bodies_wants_mime         (const TernPart  *p,
                                                 const TernPart  *shown);
gboolean        _tern_bodies_refine_name        (TernSync        *self,
                                                 TernMessage     *m,
                                                 const TernPart  *p,
                                                 const guint8    *headers,
                                                 gsize            length,
                                                 GError         **error);
gboolean        _tern_bodies_store_whole        (TernSync        *self,
                                                 TernMessage     *m,
                                                 const guint8    *data,
                                                 gsize            length,
                                                 GError         **error);
gboolean        _tern_bodies_store_text         (TernSync        *self,
                                                 TernMessage     *m,
                                                 const TernPart  *part,
                                                 const guint8    *data,
                                                 gsize            length,
                                                 char           **text_out,
                                                 GError         **error);
gboolean        _tern_bodies_fetch_inline_images (TernSync       *self,
                                                 TernMessage     *m,
                                                 const char      *html,
                                                 GError         **error);
/* Parts to files: save_part() keeps a part that came whole (its size checked). */
gboolean        _tern_bodies_save_part          (TernSync        *self,
                                                 gint64           message_id,
                                                 const TernPart  *part,
                                                 const guint8    *data,
                                                 gsize            length,
                                                 GError         **error);
gboolean        _tern_bodies_has_part_file      (TernSync        *self,
                                                 gint64           message_id,
                                                 const char      *section);

G_END_DECLS
