/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "tern-cli"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tern-cli-common.h"
#include "tern-cli-help.h"

/* tern-cli --version, `tern-cli help` (every command in a line) and `tern-cli help COMMAND`
 * (its forms, what it does, its options). tests/test-cli-help.sh checks that every command
 * of `tern-cli --help` has a page here, and that each page names every option the command
 * itself accepts. */

typedef struct
{
  const char *names;    /* the command, or a family of commands sharing a page, space-separated */
  const char *summary;  /* one line for `tern-cli help` */
  const char *usage;    /* one form a line, without "tern-cli" */
  const char *text;     /* what it does and its options */
} Page;

static const Page pages[] = {
  { "account", "find, add, change, list and remove accounts",
    "account discover EMAIL [--ca-file F]\n"
    "account add NAME --email E [--full-name N] [--host H] [--port P] [--security tls|starttls]\n"
    "            [--user U] [--smtp-host H] [--smtp-port P] [--smtp-security S] [--smtp-user U]\n"
    "            [--password-stdin | --password-command CMD | --oauth2 [--oauth2-client-id ID]\n"
    "            [--oauth2-auth-url U --oauth2-token-url U --oauth2-scope S]] [--ca-file F]\n"
    "            [--pin SHA256]\n"
    "account add NAME --goa ID [--full-name N] [--ca-file F]\n"
    "account edit NAME [--name NEW] [--email E] [--full-name N] [--host H] [--port P]\n"
    "            [--security S] [--user U] [--smtp-host H] [--smtp-port P] [--smtp-security S]\n"
    "            [--smtp-user U] [--password-stdin | --password-command CMD] [--ca-file F]\n"
    "account list\n"
    "account remove NAME\n"
    "account pin NAME SHA256\n"
    "account set NAME [--delete-mode trash|expunge] [--compress yes|no]\n"
    "            [--server-previews yes|no]",
    "“account discover” finds the incoming (IMAP) and outgoing (submission) servers of an\n"
    "address, as Thunderbird does: the provider's own settings (https://autoconfig.DOMAIN/...,\n"
    "then https://DOMAIN/.well-known/autoconfig/...), the ISPDB ($TERN_ISPDB_URL, by default\n"
    "Thunderbird's), DNS SRV records, the ISPDB entry of the domain's mail host (MX), then a\n"
    "guess (imap., mail., smtp. and the domain itself, probed over TLS). Everything is asked over\n"
    "verified TLS; settings that offer only unencrypted connections are refused. It prints what\n"
    "was found, where from, and every place it looked; exit 1 if no IMAP server was found.\n"
    "“account add” adds an IMAP account called NAME (any name; other commands use it). Without\n"
    "--host the servers are found from the address as “discover” does, the outgoing server\n"
    "too. It does not sign in: “tern-cli sync NAME” does.\n"
    "  --email E             the address\n"
    "  --full-name N         your name, shown with the address in mail you send (default: the\n"
    "                        name of your user account, never the login name)\n"
    "  --host H              the IMAP server\n"
    "  --port P              993 for tls (the default), 143 for starttls\n"
    "  --security S          tls (TLS from the start) or starttls\n"
    "  --user U              the login name (default: the address)\n"
    "  --smtp-host H, --smtp-port P, --smtp-security S, --smtp-user U\n"
    "                        the outgoing server (default: what was found; with none found\n"
    "                        or given, nothing is sent until “tern-cli smtp” sets one)\n"
    "  --password-stdin      read the password from standard input and keep it in the keyring\n"
    "                        (libsecret); it is never written to the cache or a file\n"
    "  --password-command C  run C (with sh -c) each time a password is needed, and use the\n"
    "                        first line it prints\n"
    "  --ca-file F           trust the CA certificates in this PEM file as well\n"
    "  --pin SHA256          trust the server certificate with this SHA-256 fingerprint\n"
    "  --oauth2              sign in with the provider in a browser (OAuth2, as Google and\n"
    "                        Microsoft 365 want) instead of a password: the address to open is\n"
    "                        printed (and opened where there is a desktop), and Tern waits for\n"
    "                        the browser to come back; the sign-in is kept in the keyring\n"
    "  --oauth2-client-id ID, --oauth2-auth-url U, --oauth2-token-url U, --oauth2-scope S\n"
    "                        the provider's settings when discovery does not give them\n"
    "                        ($TERN_OAUTH2_CLIENTS=\"issuer=client-id[:secret];...\" also gives\n"
    "                        client ids)\n"
    "  --goa ID              an account of GNOME Online Accounts (Settings): its servers, address\n"
    "                        and sign-in; Tern asks it for a token each time and keeps none\n"
    "“account edit” changes any of these (--name NEW renames the account; an empty --full-name,\n"
    "--password-command or --ca-file removes it); the password in the keyring follows.\n"
    "“account list” lists the accounts and their servers. “account remove” removes an account,\n"
    "its cached mail, queued changes and unsent messages (it says how many; never anything on\n"
    "the server) and its passwords from the keyring.\n"
    "“account pin” trusts one server certificate by its fingerprint: a certificate that does not\n"
    "verify is refused with that fingerprint in the error.\n"
    "“account set NAME --delete-mode M” says what “delete” does: trash (move to Trash, the\n"
    "default) or expunge (delete for good). “--compress no” never compresses the connection;\n"
    "yes (the default) uses COMPRESS=DEFLATE where the server offers it.\n"
    "“--server-previews yes” asks the server for a preview line of each message whose text\n"
    "is not downloaded (PREVIEW, RFC 8970, where it offers it) after each sync: for slow\n"
    "links, where texts wait; no (the default) takes previews from downloaded texts only." },
  { "sync", "mirror folders and message headers into the cache",
    "sync [ACCOUNT] [--folder F] [--bodies]",
    "Sends what waits in the journal first (changes made offline, in order), then mirrors the\n"
    "folder list and the headers of every message of ACCOUNT (of every account without one)\n"
    "into the cache. With CONDSTORE/QRESYNC an unchanged folder costs one round trip.\n"
    "  --folder F   only this folder\n"
    "  --bodies     then fetch the bodies that the offline policy keeps (“help offline-policy”)" },
  { "folders", "list folders with their unread and total counts",
    "folders [ACCOUNT]",
    "Lists the cached folders of ACCOUNT (of every account without one): name, special use\n"
    "(\\Sent, \\Trash, \\Archive, ...), unread and total. Works offline." },
  { "list", "list the messages of a folder, newest first",
    "list ACCOUNT FOLDER [--limit N]",
    "Lists the cached messages of FOLDER, newest first: id (what other commands take), uid,\n"
    "flags, date, sender and subject. Works offline.\n"
    "  --limit N   at most N messages" },
  { "show", "headers, structure and text of one message",
    "show ID",
    "Shows the headers and the MIME structure of message ID, and its text: from the cache, or\n"
    "fetched when online (only the text part; attachments stay on the server until “fetch”)." },
  { "status", "reachable or not, last sync, what is available offline",
    "status [ACCOUNT]",
    "For ACCOUNT (every account without one): whether the server is reachable, the last sync,\n"
    "what is available offline, the size of the cache, what waits in the journal, and the\n"
    "counts of each folder." },
  { "watch", "stay connected and print changes as they arrive (IDLE)",
    "watch ACCOUNT [--poll S] [--folder NAME]",
    "Stays connected to ACCOUNT (IMAP IDLE) and prints each change as it arrives: new mail,\n"
    "flags changed and messages removed by other clients. Where the server offers NOTIFY,\n"
    "changes in every folder arrive at once; without it INBOX and the --folder do, and the\n"
    "other folders are checked every --poll seconds. Stops on Ctrl+C.\n"
    "  --poll S        check the other folders every S seconds (default 60)\n"
    "  --folder NAME   keep this folder live too (a second connection idles on it)" },
  { "read unread flag unflag", "mark messages read or unread, flag or unflag them",
    "read ID…\n"
    "unread ID…\n"
    "flag ID…\n"
    "unflag ID…",
    "Sets or clears \\Seen (read, unread) or \\Flagged (flag, unflag) on the messages. Applied\n"
    "to the cache at once and recorded in the journal; sent to the server now when it is\n"
    "reachable, else by the next sync." },
  { "tag", "add or remove keywords",
    "tag ID +KEYWORD|-KEYWORD…",
    "Adds (+) or removes (-) IMAP keywords ($Label1, Junk, ...) on message ID, like “read”:\n"
    "at once in the cache, then on the server." },
  { "move copy", "move or copy messages to another folder",
    "move ID… FOLDER\n"
    "copy ID… FOLDER",
    "Moves or copies the messages into FOLDER of the same account, offline too: the cache\n"
    "changes at once, the server follows (MOVE, or COPY and expunge)." },
  { "delete", "delete messages (to Trash)",
    "delete [--permanent] ID…",
    "Moves the messages to Trash, or deletes them for good when the account says so\n"
    "(“account set NAME --delete-mode expunge”) or with --permanent. Offline too.\n"
    "  --permanent   delete for good, not to Trash" },
  { "archive", "move messages to the Archive folder",
    "archive ID…",
    "Moves the messages to the account's Archive folder (special use \\Archive). Offline too." },
  { "expunge empty", "delete the deleted, or all, messages of a folder for good",
    "expunge ACCOUNT FOLDER\n"
    "empty ACCOUNT FOLDER",
    "“expunge” removes the messages of FOLDER marked \\Deleted; “empty” removes all of them.\n"
    "Both are permanent on the server." },
  { "folder", "create, rename, delete, subscribe to and share folders",
    "folder create ACCOUNT NAME\n"
    "folder rename ACCOUNT OLD NEW\n"
    "folder delete ACCOUNT NAME\n"
    "folder subscribe ACCOUNT NAME\n"
    "folder unsubscribe ACCOUNT NAME\n"
    "folder share ACCOUNT NAME USER read|triage|full|RIGHTS\n"
    "folder unshare ACCOUNT NAME USER\n"
    "folder rights ACCOUNT NAME\n"
    "folder notify ACCOUNT NAME [on|off]",
    "Changes the folders of ACCOUNT, offline too (the server follows). NAME is the full path,\n"
    "e.g. “Projects/2024”.\n"
    "“share” lets USER (a login name on the same server, or “anyone”) use the folder:\n"
    "  read     read and mark as read\n"
    "  triage   also star, file messages in and delete them\n"
    "  full     also make, rename and delete folders in it (not share it further)\n"
    "or RFC 4314 letters (lrswipkxtea, or c, d, n, digits where the server has them). Online, the\n"
    "server is asked which rights it allows for USER (LISTRIGHTS): rights it grants only together\n"
    "are added (and said), rights it cannot grant refuse the share. “unshare” takes it back.\n"
    "“rights” asks the server who can do what there (only who may share a folder sees the others).\n"
    "“notify” says whether new mail in the folder raises a desktop notification, or sets it:\n"
    "INBOX does by default, other folders (shared ones too) once turned on." },
  { "append", "save a message file into a folder",
    "append ACCOUNT FOLDER FILE.eml [--flags F]",
    "Saves the message in FILE.eml (RFC 5322) into FOLDER, offline too.\n"
    "  --flags F   the flags to store it with, e.g. \"\\Seen \\Draft\"" },
  { "pending", "what waits for the server, and why something failed",
    "pending [ACCOUNT]\n"
    "pending retry ID\n"
    "pending discard ID",
    "Lists the journal of ACCOUNT (every account without one): the changes still to send, in\n"
    "order, and the ones the server refused, with its reason. “retry” sends a refused change\n"
    "again; “discard” drops it (the cache takes the server's state at the next sync)." },
  { "fetch", "fetch a message's text, or one attachment (resumable)",
    "fetch ID [--part SECTION] [--out FILE]",
    "Without --part: fetches the text of message ID into the cache. With it: downloads that\n"
    "part (an attachment) into the cache, showing progress, and prints where it is; a download\n"
    "that was cut off resumes where it stopped. --offline prints a part already downloaded.\n"
    "  --part SECTION   the part, as “show” numbers them (e.g. 2 or 1.2)\n"
    "  --out FILE       also save the text or the part to FILE" },
  { "search", "full-text search of the cache and the server",
    "search [ACCOUNT] QUERY",
    "Searches the cached mail of ACCOUNT (every account without one) at once, then, online,\n"
    "adds what the server's search finds in mail this cache does not hold." },
  { "export", "save a message, or a folder as mbox or Maildir",
    "export ID OUT.eml\n"
    "export ACCOUNT FOLDER --mbox OUT\n"
    "export ACCOUNT FOLDER --maildir OUT",
    "Writes message ID to OUT.eml, or every message of FOLDER (oldest first) to one mbox file\n"
    "or a Maildir: each message whole, as the server has it (so this needs a connection),\n"
    "streamed, never all in memory.\n"
    "  --mbox      write the folder as one mbox file\n"
    "  --maildir   write the folder as a Maildir (cur/, new/, tmp/), with its flags" },
  { "offline-policy", "what stays readable offline",
    "offline-policy ACCOUNT [FOLDER] [--days N] [--max-size KB] [--full|--no-full]\n"
    "               [--cache-limit MB]",
    "Sets which message bodies are fetched ahead of time (by “sync --bodies” and the app),\n"
    "for the account or, with FOLDER, for one folder.\n"
    "  --days N          bodies of messages newer than N days (default 30; 0: all)\n"
    "  --max-size KB     and attachments up to KB kibibytes (default 256)\n"
    "  --full            everything of FOLDER, whatever its age or size\n"
    "  --no-full         undo --full\n"
    "  --cache-limit MB  the most bodies and attachments of the account may take (0: no\n"
    "                    limit); the least recently used go first, never one with changes\n"
    "                    still to send or of a folder kept fully offline" },
  { "send", "queue a message and send it",
    "send ACCOUNT FILE.eml [--forward-of MESSAGE-ID] [--draft ID]",
    "Puts the message in the durable outbox at once, then submits it (once, over TLS) when\n"
    "online and files a copy in Sent. A refusal stays in the outbox (“help outbox”).\n"
    "  --forward-of MESSAGE-ID   mark this message $Forwarded once sent (repeatable)\n"
    "  --draft ID                delete this draft (local ID) once sent" },
  { "outbox", "messages waiting to be sent, refused, or sent",
    "outbox [ACCOUNT] [--all]\n"
    "outbox retry ID [FILE.eml]\n"
    "outbox discard ID\n"
    "outbox sent ID\n"
    "outbox flush [ACCOUNT]",
    "Lists what waits in the outbox and what the server refused, with its reason.\n"
    "  --all   also the messages sent in the last days\n"
    "“retry” sends a refused message again (or FILE.eml in its place); “discard” drops it;\n"
    "“sent” files a message that may have gone out as sent, without sending it again;\n"
    "“flush” sends everything waiting now." },
  { "draft", "save drafts on the server",
    "draft save ACCOUNT FILE.eml [--replace ID]\n"
    "draft list ACCOUNT",
    "“save” stores FILE.eml as a draft in the account's Drafts folder, through the journal\n"
    "(offline too); “list” lists the drafts.\n"
    "  --replace ID   the earlier version (local ID) this one replaces" },
  { "smtp", "the outgoing (submission) server of an account",
    "smtp ACCOUNT [--host H] [--port P] [--security tls|starttls] [--user U] [--pin SHA256]\n"
    "             [--server-saves-sent yes|no]",
    "Sets where ACCOUNT sends mail, and prints the settings (only prints them without\n"
    "options).\n"
    "  --host H                  the submission server (default: the IMAP host)\n"
    "  --port P                  465 for tls (the default), 587 for starttls\n"
    "  --security S              tls or starttls\n"
    "  --user U                  the login name (default: the IMAP one)\n"
    "  --pin SHA256              trust the server certificate with this SHA-256 fingerprint\n"
    "  --server-saves-sent yes   the server files sent mail in Sent itself (Tern does not)" },
  { "identity", "the addresses an account sends from",
    "identity list ACCOUNT\n"
    "identity add ACCOUNT ADDRESS [--name N] [--reply-to R] [--signature-file F]\n"
    "identity remove ACCOUNT ADDRESS",
    "The From addresses of ACCOUNT, each with a name, a Reply-To and a signature.\n"
    "  --name N             the name shown with the address\n"
    "  --reply-to R         where replies go\n"
    "  --signature-file F   a plain-text signature" },
  { "rules", "server-side rules (filters) and the vacation reply",
    "rules ACCOUNT [list]\n"
    "rules ACCOUNT add NAME [--from T] [--not-from T] [--to T] [--subject T] [--list-id T]\n"
    "                       [--larger-than SIZE] [--smaller-than SIZE] [--any]\n"
    "                       [--file-into FOLDER] [--mark-read] [--flag] [--forward ADDRESS]\n"
    "                       [--trash] [--stop] [--off] [--replace]\n"
    "rules ACCOUNT remove|enable|disable NAME\n"
    "rules ACCOUNT vacation --message TEXT|--message-file F [--subject S] [--from DATE]\n"
    "                       [--until DATE] [--days N] | --off\n"
    "rules ACCOUNT script | set-script FILE | upload [--replace]\n"
    "rules ACCOUNT server HOST PORT",
    "The rules the account's server applies to new mail (ManageSieve, RFC 5804): they work\n"
    "for every device, and while this one is off. “add” makes a rule (a rule with the same\n"
    "name is replaced); conditions are all needed unless --any. Changes are kept here first\n"
    "and uploaded when the server can be reached (with --offline: by “upload” or the next\n"
    "sync). Tern writes only its own script and does not replace rules made elsewhere\n"
    "without --replace; “script” prints the active script and “set-script” replaces it\n"
    "with a file (the server checks it). “server” sets where the rules live (default: the\n"
    "IMAP host, port 4190, always STARTTLS)." },
  { "contacts", "the address book: people written to and read from",
    "contacts [list [QUERY]]\n"
    "contacts import FILE.vcf\n"
    "contacts export FILE.vcf",
    "The address book the app keeps for completion: every recipient of mail sent, and the\n"
    "senders of mail read that was written to you (not Junk, lists or automated senders).\n"
    "“list” prints them by name (with QUERY: those whose address or a word of whose name\n"
    "starts with it, best first), each with how often mail went to and came from them.\n"
    "“import” reads vCard 2.1, 3.0 or 4.0 (each EMAIL of each card); “export” writes\n"
    "vCard 4.0 (FILE “-”: standard output)." },
  { "help", "this list, or what one command does",
    "help [COMMAND]",
    "Without COMMAND: every command in a line. With it: its forms, what it does, its options." },
};

static const char global_usage[] =
  "Usage: tern-cli [--data-dir DIR] [--json] [--offline] [--timeout S] COMMAND [ARGS…]\n";

static const char global_options[] =
  "Global options (before COMMAND):\n"
  "  --data-dir DIR   the cache (default $XDG_DATA_HOME/tern, shared with the Tern app)\n"
  "  --json           print listings as JSON\n"
  "  --offline        never connect: changes wait in the journal\n"
  "  --timeout S      network timeout in seconds (default 30)\n"
  "  --version        print the version\n";

static gboolean version;

void
tern_cli_help_add_options (GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
    G_OPTION_ENTRY_NULL
  };

  g_option_context_add_main_entries (context, entries, NULL);
}

static const Page *
find_page (const char *command)
{
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_auto(GStrv) names = g_strsplit (pages[i].names, " ", -1);

      if (g_strv_contains ((const char * const *) names, command))
        return &pages[i];
    }
  return NULL;
}

static void
print_overview (void)
{
  g_autoptr(GString) out = g_string_new (global_usage);

  g_string_append (out, "\nCommands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_auto(GStrv) names = g_strsplit (pages[i].names, " ", -1);
      g_autofree char *list = g_strjoinv (", ", names);

      g_string_append_printf (out, "  %-27s %s\n", list, pages[i].summary);
    }
  g_string_append_printf (out, "\n%s\n", global_options);
  g_string_append (out, "“tern-cli help COMMAND” says more about one command.\n");
  fputs (out->str, stdout);
}

static void
print_page (const Page *page)
{
  g_autoptr(GString) out = g_string_new ("Usage:\n");
  g_auto(GStrv) forms = g_strsplit (page->usage, "\n", -1);

  for (guint i = 0; forms[i] != NULL; i++)
    {
      /* Continuation lines (indented) belong to the form above. */
      if (forms[i][0] == ' ')
        g_string_append_printf (out, "           %s\n", forms[i]);
      else
        g_string_append_printf (out, "  tern-cli %s\n", forms[i]);
    }
  g_string_append_printf (out, "\n%s\n\n%s", page->text, global_options);
  fputs (out->str, stdout);
}

gboolean
tern_cli_help_run (int    argc,
                   char **argv,
                   int   *status)
{
  const Page *page;

  if (version)
    {
#if DEVELOPMENT_BUILD
      g_print ("tern-cli %s (development build)\n", PACKAGE_VERSION);
#else
      g_print ("tern-cli %s\n", PACKAGE_VERSION);
#endif
      *status = 0;
      return TRUE;
    }
  if (argc < 2 || strcmp (argv[1], "help") != 0)
    return FALSE;

  if (argc == 2)
    {
      print_overview ();
      *status = 0;
    }
  else if (argc > 3)
    *status = tern_cli_usage ("help takes one COMMAND");
  else if ((page = find_page (argv[2])) == NULL)
    {
      g_printerr ("tern-cli: no command “%s”; “tern-cli help” lists them\n", argv[2]);
      *status = EXIT_USAGE;
    }
  else
    {
      print_page (page);
      *status = 0;
    }
  return TRUE;
}
