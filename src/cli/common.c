#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/util.h"
#include "provision/provision.h"

int
cli_common_opt (struct cli *cli, int opt, const char *usage)
{
  switch (opt)
    {
    case OPT_STATE_DIR:
      cli->state_dir = optarg;
      return 1;
    case OPT_JSON:
      cli->json = true;
      return 1;
    case OPT_HELP:
      fputs (usage, stdout);
      exit (0);
    default:
      return 0;
    }
}

int
cli_usage (struct cli *cli, const char *cmd, const char *what)
{
  /* getopt_long leaves the offending word just before optind; a short
   * option in a cluster is in optopt.  Nothing after '=' is repeated: it
   * may be a value meant for another option. */
  if (strcmp (what, "unknown option") == 0 && optopt != 0)
    return cfp_err_set (&cli->err, CFP_E_USAGE,
                        "%s: unknown option or missing value `-%c` (see "
                        "`cfp %s --help`)",
                        cmd, optopt, cmd);
  if (strcmp (what, "unknown option") == 0 && optind > 0)
    {
      const char *word = cli->argv[optind - 1];
      int len = (int)strcspn (word, "=");

      return cfp_err_set (&cli->err, CFP_E_USAGE,
                          "%s: unknown option or missing value `%.*s` (see "
                          "`cfp %s --help`)",
                          cmd, len > 64 ? 64 : len, word, cmd);
    }
  return cfp_err_set (&cli->err, CFP_E_USAGE, "%s: %s (see `cfp %s --help`)",
                      cmd, what, cmd);
}

char *
cli_state_dir (const struct cli *cli)
{
  const char *env = getenv ("CFP_STATE_DIR");
  const char *xdg = getenv ("XDG_STATE_HOME");
  const char *home = getenv ("HOME");

  if (cli->state_dir != NULL && *cli->state_dir != '\0')
    return xstrdup (cli->state_dir);
  if (env != NULL && *env != '\0')
    return xstrdup (env);
  if (geteuid () == 0)
    return xstrdup ("/var/lib/cfp");
  if (xdg != NULL && *xdg != '\0')
    return xasprintf ("%s/cfp", xdg);
  return xasprintf ("%s/.local/state/cfp", home ? home : ".");
}

char *
cli_template_dir (const struct cli *cli)
{
  cleanup_free char *dir = cli_state_dir (cli);

  return xasprintf ("%s/templates", dir);
}

int
cli_open_store (struct cli *cli, struct store **out)
{
  cleanup_free char *dir = cli_state_dir (cli);

  return store_open (dir, out, &cli->err);
}

int
cli_open_engine (struct cli *cli, struct dock **out)
{
  return dock_open (out, NULL, 0, &cli->err);
}

int
cli_fail (struct cli *cli, int rc)
{
  int code = rc < 0 ? -rc : rc;

  /* A positive rc is an exit status the command has already explained
   * (policy check: 1 findings, 2 unusable input). */
  if (rc >= 0)
    return rc;
  if (cli->err.msg[0] == '\0')
    snprintf (cli->err.msg, sizeof cli->err.msg, "failed (code %d)", code);
  if (cli->json)
    {
      json_t *j = json_pack ("{s:s, s:i}", "error", cli->err.msg, "code", code);
      char *s = json_dumps (j, JSON_COMPACT);

      fprintf (stderr, "%s\n", s);
      free (s);
      json_decref (j);
    }
  else
    fprintf (stderr, "cfp: %s\n", cli->err.msg);
  return code;
}

void
cli_print_json (json_t *j)
{
  json_dumpf (j, stdout, JSON_INDENT (2) | JSON_SORT_KEYS);
  fputc ('\n', stdout);
  json_decref (j);
}

void
cli_time (long long t, char *buf, size_t size)
{
  time_t tt = (time_t)t;
  struct tm tm;

  gmtime_r (&tt, &tm);
  strftime (buf, size, "%Y-%m-%d %H:%M", &tm);
}

void
cli_print_item (void *ud, const struct prov_item *it)
{
  (void)ud;
  printf ("%-8s %-14s %-9s%s%s\n", it->kind, it->name, it->action,
          it->detail ? " " : "", it->detail ? it->detail : "");
  fflush (stdout);
}
