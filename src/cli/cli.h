/* Shared plumbing of the cfp commands: option parsing helpers, the state
 * directory, opening the store and the engine, printing errors. */
#ifndef CFP_CLI_H
#define CFP_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"
#include "engine/docker.h"
#include "store/store.h"

struct cli
{
  const char *state_dir; /* --state-dir, or NULL */
  bool json;
  char **argv; /* the command's argv, for messages */
  struct cfp_err err;
};

/* Every command accepts these; OPT_* values are above any short option. */
enum
{
  OPT_STATE_DIR = 256,
  OPT_JSON,
  OPT_HELP,
  OPT_FIRST_LOCAL, /* commands number their own options from here */
};

#define CLI_COMMON_OPTIONS                                                     \
  { "state-dir", required_argument, NULL, OPT_STATE_DIR },                     \
      { "json", no_argument, NULL, OPT_JSON },                                 \
  {                                                                            \
    "help", no_argument, NULL, OPT_HELP                                        \
  }

/* Handles a common option; returns 1 when it was one, 0 when not, and
 * -1 with cli->err set for --help (prints `usage` and exits 0). */
int cli_common_opt (struct cli *cli, int opt, const char *usage);

/* Sets a usage error naming the command and returns -CFP_E_USAGE. */
int cli_usage (struct cli *cli, const char *cmd, const char *what);

/* --state-dir, else $CFP_STATE_DIR, else /var/lib/cfp for root and
 * $XDG_STATE_HOME/cfp (~/.local/state/cfp) for others.  Caller frees. */
char *cli_state_dir (const struct cli *cli);

int cli_open_store (struct cli *cli, struct store **out);
/* The operator template directory: <state>/templates. */
char *cli_template_dir (const struct cli *cli);
int cli_open_engine (struct cli *cli, struct dock **out);

/* Prints the error of a negative rc as one line on stderr and returns its
 * exit code; a positive rc is returned as it is. */
int cli_fail (struct cli *cli, int rc);

/* Prints JSON (pretty, sorted) to stdout and takes the reference. */
void cli_print_json (json_t *j);

/* Progress line of a deploy or lifecycle command (prov_report.on_item). */
struct prov_item;
void cli_print_item (void *ud, const struct prov_item *item);

/* Formats unix seconds as UTC "YYYY-MM-DD HH:MM". */
void cli_time (long long t, char *buf, size_t size);

/* The commands. */
int cmd_init (struct cli *cli, int argc, char **argv);
int cmd_plan (struct cli *cli, int argc, char **argv);
int cmd_tenant (struct cli *cli, int argc, char **argv);
int cmd_template (struct cli *cli, int argc, char **argv);
int cmd_deploy (struct cli *cli, int argc, char **argv);
int cmd_stack (struct cli *cli, int argc, char **argv);
int cmd_policy (struct cli *cli, int argc, char **argv);

#endif
