/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-store.h"

G_BEGIN_DECLS

/* The part a reader shows: the first text part that is not an attachment (nor inside an
 * attached message), or its HTML/plain sibling in a multipart/alternative. */
const TernPart *_tern_bodies_pick_text (TernMessage  *message,
                                        gboolean      prefer_html);

G_END_DECLS
