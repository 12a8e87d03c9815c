#include <stdio.h>

#include "cli/cli.h"
#include "core/util.h"

static const char usage[]
    = "usage: cfp init [--state-dir DIR] [--json]\n"
      "\n"
      "Creates the state directory (mode 0700) with the state database and\n"
      "a new master key (mode 0600).  Refuses to touch a directory that is\n"
      "initialised already.\n";

int
cmd_init (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
  cleanup_free char *dir = NULL;
  int opt, rc;

  optind = 0;
  while ((opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "init", "unknown option");
  if (optind != argc)
    return cli_usage (cli, "init", "unexpected argument");
  dir = cli_state_dir (cli);
  rc = store_init (dir, &cli->err);
  if (rc < 0)
    return rc;
  if (cli->json)
    cli_print_json (json_pack (
        "{s:s, s:s, s:s, s:i}", "state_dir", dir, "database", STORE_DB_FILE,
        "master_key", STORE_KEY_FILE, "schema", store_schema_latest ()));
  else
    printf ("initialised %s (database %s, master key %s, schema %d)\n", dir,
            STORE_DB_FILE, STORE_KEY_FILE, store_schema_latest ());
  return 0;
}
