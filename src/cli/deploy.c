#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"
#include "policy/policy.h"
#include "provision/provision.h"

static const char usage[]
    = "usage: cfp deploy TEMPLATE --tenant T --name STACK [--set "
      "KEY=VALUE]...\n"
      "                  [--image SERVICE=IMAGE]... [--json]\n"
      "       cfp deploy --compose FILE --tenant T --name STACK [--set "
      "KEY=VALUE]...\n"
      "                  [--image SERVICE=IMAGE]... [--json]\n"
      "\n"
      "Renders TEMPLATE with its parameter defaults overridden by --set,\n"
      "applies the hardened defaults and the tenant's plan limits, and\n"
      "creates the stack's network, volumes and containers on the engine.\n"
      "Deploying again with the same inputs changes nothing; with changed\n"
      "inputs only the services that changed are replaced.  A failed deploy\n"
      "removes what it created and records nothing.  cfp never pulls: every\n"
      "image must be on the engine already.\n"
      "\n"
      "With --compose, a tenant's own compose file takes the template's\n"
      "place: it must pass the admission policy (`cfp policy check`), whose\n"
      "findings are printed and refuse the deploy (exit 4) before anything\n"
      "is created; what deploys is the file as `cfp policy rewrite` shows\n"
      "it.  ${VAR} in the file takes its value from --set.\n"
      "\n"
      "  --tenant T              the tenant (see `cfp tenant ls`)\n"
      "  --name STACK            the stack name, a DNS label\n"
      "  --set KEY=VALUE         a template parameter (`cfp template show`)\n"
      "  --image SERVICE=IMAGE   run SERVICE from IMAGE instead\n"
      "  --compose FILE          deploy FILE instead of a template\n";

enum
{
  OPT_TENANT = OPT_FIRST_LOCAL,
  OPT_NAME,
  OPT_SET,
  OPT_IMAGE,
  OPT_COMPOSE,
};

#define MAX_ARGS 128

struct deploy_args
{
  struct deploy_req req;
  char *sets[MAX_ARGS];
  char *images[MAX_ARGS];
  char *compose_text; /* owned */
  struct pol_result findings;
  struct pol_settings settings; /* <state-dir>/policy.json */
};

static int
add_arg (struct cli *cli, char **arr, size_t *n, const char *what)
{
  if (*n >= MAX_ARGS)
    return cli_usage (cli, "deploy", what);
  arr[(*n)++] = optarg;
  return 0;
}

static int
parse (struct cli *cli, int argc, char **argv, struct deploy_args *a)
{
  static const struct option opts[]
      = { CLI_COMMON_OPTIONS,
          { "tenant", required_argument, NULL, OPT_TENANT },
          { "name", required_argument, NULL, OPT_NAME },
          { "set", required_argument, NULL, OPT_SET },
          { "image", required_argument, NULL, OPT_IMAGE },
          { "compose", required_argument, NULL, OPT_COMPOSE },
          { 0 } };
  int opt, rc = 0;

  optind = 0;
  while (rc == 0 && (opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (opt == OPT_TENANT)
      a->req.tenant = optarg;
    else if (opt == OPT_NAME)
      a->req.stack = optarg;
    else if (opt == OPT_SET)
      rc = add_arg (cli, a->sets, &a->req.n_sets, "more than 128 --set");
    else if (opt == OPT_IMAGE)
      rc = add_arg (cli, a->images, &a->req.n_images, "more than 128 --image");
    else if (opt == OPT_COMPOSE)
      a->req.compose_file = optarg;
    else if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "deploy", "unknown option");
  if (rc < 0)
    return rc;
  if (optind + (a->req.compose_file ? 0 : 1) != argc)
    return cli_usage (cli, "deploy",
                      a->req.compose_file ? "a TEMPLATE and --compose exclude "
                                            "each other"
                                          : "expected one TEMPLATE");
  if (a->req.tenant == NULL || a->req.stack == NULL)
    return cli_usage (cli, "deploy", "--tenant and --name are required");
  a->req.template_name = a->req.compose_file ? NULL : argv[optind];
  a->req.sets = a->sets;
  a->req.images = a->images;
  return 0;
}

int
cmd_deploy (struct cli *cli, int argc, char **argv)
{
  struct deploy_args a = { 0 };
  struct prov_report rep = { 0 };
  cleanup_free char *tdir = NULL;
  struct store *st = NULL;
  struct dock *d = NULL;
  int rc;

  rc = parse (cli, argc, argv, &a);
  if (rc == 0)
    {
      cleanup_free char *dir = cli_state_dir (cli);
      rc = pol_settings_load (dir, &a.settings, &cli->err);
    }
  if (rc == 0 && a.req.compose_file)
    rc = read_file_limit (a.req.compose_file, COMPOSE_MAX_BYTES,
                          &a.compose_text, &a.req.compose_len, &cli->err);
  if (rc < 0)
    return rc;
  a.req.compose_text = a.compose_text;
  a.req.policy = &a.findings;
  a.req.settings = &a.settings;
  tdir = cli_template_dir (cli);
  a.req.template_dir = tdir;
  a.req.actor = "cli";
  if (!cli->json)
    rep.on_item = cli_print_item;
  prov_catch_signals ();
  rc = cli_open_store (cli, &st);
  if (rc == 0)
    rc = cli_open_engine (cli, &d);
  if (rc == 0)
    rc = prov_deploy (st, d, &a.req, &rep, &cli->err);
  if (rc == 0 && cli->json)
    cli_print_json (json_pack ("{s:s, s:s, s:b, s:o}", "tenant", a.req.tenant,
                               "stack", a.req.stack, "changed", rep.changed,
                               "items", prov_report_json (&rep)));
  else if (rc == 0)
    printf ("deployed %s/%s from %s%s\n", a.req.tenant, a.req.stack,
            a.req.compose_file ? a.req.compose_file : a.req.template_name,
            rep.changed ? "" : " (nothing changed)");
  /* Every finding, then the one-line error that main prints. */
  if (rc < 0 && a.findings.n_findings > 0)
    pol_report (stderr, &a.findings, 1, cli->json ? POL_JSON : POL_TEXT);
  pol_result_free (&a.findings);
  pol_settings_free (&a.settings);
  free (a.compose_text);
  prov_report_free (&rep);
  dock_close (d);
  store_close (st);
  return rc;
}
