/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "tern-conversation-view.h"
#include "tern-pane-handle.h"
#include "tern-window.h"

G_BEGIN_DECLS

/* What the files of TernWindow share: tern-window.c (selection, the message shown,
 * workers), -list.c (the list's models), -actions.c (triage, undo, moving about, writing),
 * -search.c, -folders.c (the folder list). */

struct _TernWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets. */
  AdwToastOverlay      *toasts;
  GtkStack             *main_stack;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar_pane;
  TernPaneHandle       *sidebar_handle;
  GtkWidget            *list_pane;
  TernPaneHandle       *list_handle;
  GtkWidget            *view_pane;
  AdwStatusPage        *welcome_page;
  GtkListView          *folder_list;
  TernStatusArea       *status_area;
  AdwWindowTitle       *list_title;
  GtkToggleButton      *search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkStack             *list_stack;
  GtkListView          *message_list;
  AdwStatusPage        *empty_page;
  TernMessageView      *message_view;
  GtkStack             *view_stack;       /* the message, or the conversation */
  TernConversationView *conversation_view;
  GtkMenuButton        *move_button;
  AdwSplitButton       *forward_button;
  GtkButton            *junk_button;
  GtkToggleButton      *star_button;
  GtkToggleButton      *unread_button;
  GtkButton            *demo_button;
  GtkWidget            *read_only_bar;
  GtkLabel             *read_only_label;

  /* Owned. */
  TernFolderModel      *folder_model;
  GtkSingleSelection   *folder_selection;
  TernMessageModel     *message_model;
  TernConversationModel *conversation_model;
  GtkTreeListModel     *conversation_tree;  /* of conversation_model, expanding into messages */
  TernConversationModel *search_conversations; /* search results, grouped */
  GtkTreeListModel     *search_tree;
  GtkMultiSelection    *message_selection;
  GCancellable         *search_cancellable;
  GPtrArray            *watched;          /* workers whose signals we take (weak) */
  GtkWidget            *move_popover;
  GtkWidget            *folder_menu;      /* context menus (tern-window-context-menus.c) */
  GtkWidget            *message_menu;
  AdwMessageDialog     *trust_dialog;
  char                 *trust_sha256;

  /* Borrowed. */
  TernApplication      *app;
  TernStore            *store;
  TernMailService      *service;          /* every action on mail goes through it */

  gint64                folder_id;
  gint64                account_id;
  gint64                unified_id;        /* All Inboxes... open (folder_id 0), or 0 */
  gboolean              selecting;
  gboolean              auto_opened;       /* the open folder is first_inbox()'s, not the user's */
  gboolean              auto_opening;
  gboolean              grouped;           /* group-by-conversation */
  char                 *last_toast;
  char                 *rights;            /* the open folder's MYRIGHTS; NULL: all */
  char                 *owner;             /* whose it is, another user's folder */
  gint64                before_search;     /* the message selected when search began */
  gboolean              show_previews;     /* a line of text under each subject */
  gboolean              compact;           /* narrow: secondary actions in "More" */
  guint                 compact_idle;
  guint                 navigate_idle;
};

/* undo_token (0: none): the toast's Undo takes back that action, whatever came after. */
void                _tern_window_toast                 (TernWindow *self,
                                                        const char *text,
                                                        guint       undo_token);
/* The service's change sets: the models take the rows they name. */
void                _tern_window_apply_change_set      (TernWindow    *self,
                                                        TernChangeSet *set);
void                _tern_window_refresh_folders       (TernWindow *self);
void                _tern_window_refresh_messages      (TernWindow *self);
void                _tern_window_apply_conversations   (TernWindow    *self,
                                                        TernChangeSet *set);
/* tern-window-list.c: the list's models. Grouped, the list shows conversations (the
 * folder's, or the search results'). */
gboolean            _tern_window_showing_conversations (TernWindow *self);
TernConversationModel *_tern_window_conversations      (TernWindow *self);
GtkTreeListModel   *_tern_window_tree                  (TernWindow *self);
GListModel         *_tern_window_shown_model           (TernWindow *self);
void                _tern_window_update_list_model     (TernWindow *self);
void                _tern_window_load_folder           (TernWindow *self);
void                _tern_window_group_results         (TernWindow *self);
/* (transfer full) */
GtkTreeListModel   *_tern_window_tree_new              (TernConversationModel *conversations);
void                _tern_window_update_list_title     (TernWindow *self);
/* (transfer full) */
GArray             *_tern_window_collect_ids           (TernWindow *self,
                                                        guint      *first_out,
                                                        gboolean    folder_only);
/* Marks read what the user opened (not an action to undo), where the folder lets them. */
void                _tern_window_mark_read             (TernWindow *self,
                                                        GArray     *ids);
/* tern-window-conversation.c: the conversation view (grouped, a conversation selected
 * alone), "Open in New Window". Shows the conversation selected, if one of several
 * messages is: TRUE then. */
gboolean            _tern_window_show_conversation     (TernWindow *self);
void                _tern_window_setup_conversation_view (TernWindow *self);
/* Reloads the messages shown that wait for their text. */
void                _tern_window_reload_view           (TernWindow *self);
/* A row activated (a double click, Enter): folded, the message pane; otherwise the
 * message in a window of its own. */
void                _tern_window_message_activated_cb  (TernWindow *self,
                                                        guint       position);
void                _tern_window_class_add_conversation_actions (GtkWidgetClass *widget_class);
/* A double click on a row (unfolded): the message in a window, once the list selected it. */
void                _tern_window_open_in_window_later  (TernWindow *self);
/* tern-window-export.c: Save As… an .eml file. */
void                _tern_window_class_add_export_actions (GtkWidgetClass *widget_class);
/* (transfer full) */
GArray             *_tern_window_selected_ids          (TernWindow *self,
                                                        guint      *first_out);
/* The newest message of the conversation selected alone, or 0. */
gint64              _tern_window_selected_conversation (TernWindow *self);
void                _tern_window_select_position       (TernWindow *self,
                                                        guint       position);
void                _tern_window_tell_workers          (TernWindow *self);
void                _tern_window_update_message_actions (TernWindow *self);
void                _tern_window_update_view           (TernWindow *self);
void                _tern_window_set_grouped           (TernWindow *self,
                                                        gboolean    grouped);
void                _tern_window_move_popover_show_cb  (TernWindow *self);
/* Folded, a click on a folder or a message goes on to what it opens. */
void                _tern_window_navigate_after_click  (TernWindow *self,
                                                        GtkWidget  *pane);

/* Whether the open folder lets the user do what needs right (RFC 4314: "s" seen, "w" other
 * flags, "t" and "e" to move or delete). */
gboolean            _tern_window_folder_allows         (TernWindow *self,
                                                        char        right);
/* Reads the open folder's rights and owner again. */
void                _tern_window_load_rights           (TernWindow *self);

/* tern-window-layout.c */
void                _tern_window_apply_pane_widths     (TernWindow *self);
void                _tern_window_default_width_cb      (TernWindow *self);
/* After each allocation of the window, width its width. */
void                _tern_window_allocated             (TernWindow *self,
                                                        int         width);
void                _tern_window_set_show_previews     (TernWindow *self,
                                                        gboolean    show);

/* tern-window-state.c */
gboolean            _tern_window_allows_all            (TernWindow *self,
                                                        const char *rights);
void                _tern_window_update_junk_button    (TernWindow *self);
void                _tern_window_apply_rights          (TernWindow *self);
void                _tern_window_update_read_only      (TernWindow *self);
void                _tern_window_update_state_buttons  (TernWindow *self);
void                _tern_window_update_demo_button    (TernWindow *self);

/* tern-window-actions.c */
void                _tern_window_add_click_navigation  (TernWindow *self,
                                                        GtkWidget  *list);

/* tern-window-folder-dialogs.c: win.folder-properties, win.manage-subscriptions. */
void                _tern_window_class_add_folder_dialog_actions (GtkWidgetClass *widget_class);
/* tern-window-share.c: win.share-folder, the open folder's sharing. */
void                _tern_window_class_add_share_action (GtkWidgetClass *widget_class);

/* tern-window-folders.c */
gboolean            _tern_window_select_folder         (TernWindow *self,
                                                        gint64      folder_id);
void                _tern_window_select_first_inbox    (TernWindow *self);
/* Opens a unified row (TERN_FOLDER_MODEL_ALL_INBOXES...). */
gboolean            _tern_window_select_unified        (TernWindow *self,
                                                        gint64      unified_id);
/* The folders of the unified row open (NULL: none is). (transfer none) */
GArray             *_tern_window_unified_members       (TernWindow *self);
/* Neither a folder nor a unified row is open. */
gboolean            _tern_window_nothing_open          (TernWindow *self);
/* The account of the first selected message (a unified folder's actions), else the open one. */
gint64              _tern_window_selection_account     (TernWindow *self);
void                _tern_window_folder_selection_changed_cb (TernWindow *self);
void                _tern_window_folder_activated_cb   (TernWindow *self,
                                                        guint       position);
/* (transfer full) */
GtkListItemFactory *_tern_window_folder_factory_new    (void);

/* tern-window-context-menus.c: right-click, Menu and Shift+F10 on folders and messages;
 * a folder dragged onto another. */
void                _tern_window_setup_context_menus  (TernWindow *self);
void                _tern_window_dispose_context_menus (TernWindow *self);

/* tern-folder-actions.c: win.mark-folder-read, win.new-folder, ... (target: a folder id). */
void                _tern_window_class_add_folder_actions (GtkWidgetClass *widget_class);
/* folder_id into parent_id (0: the top of its account) through the journal. */
gboolean            _tern_window_move_folder           (TernWindow *self,
                                                        gint64      folder_id,
                                                        gint64      parent_id);

/* tern-window-search.c */
void                _tern_window_search_changed_cb     (TernWindow *self);
void                _tern_window_search_mode_cb        (TernWindow *self);

/* tern-window-actions.c */
gboolean            _tern_window_list_key_pressed_cb   (TernWindow      *self,
                                                        guint            keyval,
                                                        guint            keycode,
                                                        GdkModifierType  state);
void                _tern_window_class_add_actions     (GtkWidgetClass *widget_class);

G_END_DECLS
