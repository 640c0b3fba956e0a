/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the list models' tests share: test-models.c (folders, messages, search, and main)
 * and test-models-conversations.c (threads and conversations). */

#pragma once

#include "tern-test-cache.h"

G_BEGIN_DECLS

typedef struct
{
  char             *dir;
  TernStore        *store;
  TernTestCacheIds  ids;
  guint             changes;
  guint             last_position;
  guint             last_removed;
  guint             last_added;
} Fixture;

void fixture_set_up    (Fixture       *f,
                        gconstpointer  data);
void fixture_tear_down (Fixture       *f,
                        gconstpointer  data);
void items_changed_cb  (GListModel    *model,
                        guint          position,
                        guint          removed,
                        guint          added,
                        Fixture       *f);
/* Counts notifications into *count. */
void notify_cb         (GObject       *object,
                        GParamSpec    *pspec,
                        guint         *count);

/* test-models-conversations.c */
void test_models_add_conversations (void);

G_END_DECLS
