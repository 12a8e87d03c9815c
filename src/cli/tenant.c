#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"
#include "ops/plan.h"

static const char usage[]
    = "usage: cfp tenant create NAME --plan PLAN [--json]\n"
      "       cfp tenant ls [--json]\n"
      "       cfp tenant show NAME [--json]\n"
      "\n"
      "NAME is a DNS label (a-z, 0-9, '-'; at most 63 characters).\n"
      "PLAN is one of `cfp plan ls`.\n";

enum
{
  OPT_PLAN = OPT_FIRST_LOCAL,
};

static json_t *
tenant_json (const struct tenant_row *t)
{
  char when[32];

  cli_time (t->created_at, when, sizeof when);
  return json_pack ("{s:s, s:s, s:i, s:s}", "name", t->name, "plan", t->plan,
                    "stacks", t->n_stacks, "created", when);
}

static int
tenant_create (struct cli *cli, struct store *st, const char *name,
               const char *plan_name)
{
  const struct plan *plan;
  int rc;

  if (plan_name == NULL)
    return cli_usage (cli, "tenant", "`create` needs --plan PLAN");
  if (name_check ("tenant", name, &cli->err) < 0)
    return -CFP_E_INVALID;
  rc = plan_find (plan_name, &plan, &cli->err);
  if (rc < 0)
    return rc;
  rc = store_tenant_create (st, name, plan->name, &cli->err);
  if (rc < 0)
    return rc;
  store_event (st, "cli", name, NULL, "tenant.create", "ok", NULL, NULL);
  if (cli->json)
    cli_print_json (json_pack ("{s:s, s:s}", "name", name, "plan", plan->name));
  else
    printf ("created tenant %s on plan %s\n", name, plan->name);
  return 0;
}

static int
tenant_ls (struct cli *cli, struct store *st)
{
  struct tenant_row *rows = NULL;
  size_t n = 0;
  int rc;

  rc = store_tenant_list (st, &rows, &n, &cli->err);
  if (rc < 0)
    return rc;
  if (cli->json)
    {
      json_t *a = json_array ();
      for (size_t i = 0; i < n; i++)
        json_array_append_new (a, tenant_json (&rows[i]));
      cli_print_json (a);
    }
  else
    {
      printf ("%-24s %-10s %6s  %s\n", "TENANT", "PLAN", "STACKS", "CREATED");
      for (size_t i = 0; i < n; i++)
        {
          char when[32];
          cli_time (rows[i].created_at, when, sizeof when);
          printf ("%-24s %-10s %6d  %s\n", rows[i].name, rows[i].plan,
                  rows[i].n_stacks, when);
        }
    }
  free (rows);
  return 0;
}

static int
tenant_show (struct cli *cli, struct store *st, const char *name)
{
  struct tenant_row t;
  const struct plan *p;
  int rc;

  rc = store_tenant_get (st, name, &t, &cli->err);
  if (rc == 0)
    rc = plan_find (t.plan, &p, &cli->err);
  if (rc < 0)
    return rc;
  if (cli->json)
    {
      json_t *j = tenant_json (&t);
      json_object_set_new (j, "max_stacks", json_integer (p->max_stacks));
      cli_print_json (j);
      return 0;
    }
  char when[32];
  cli_time (t.created_at, when, sizeof when);
  printf ("tenant:   %s\nplan:     %s\nstacks:   %d of %d\ncreated:  %s\n",
          t.name, t.plan, t.n_stacks, p->max_stacks, when);
  return 0;
}

int
cmd_tenant (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = {
    CLI_COMMON_OPTIONS, { "plan", required_argument, NULL, OPT_PLAN }, { 0 }
  };
  const char *plan = NULL;
  struct store *st = NULL;
  const char *sub;
  int opt, rc, nargs;

  optind = 0;
  while ((opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (opt == OPT_PLAN)
      plan = optarg;
    else if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "tenant", "unknown option");
  if (optind >= argc)
    return cli_usage (cli, "tenant", "expected create, ls or show");
  sub = argv[optind];
  nargs = argc - optind - 1;
  if (strcmp (sub, "ls") != 0 && strcmp (sub, "create") != 0
      && strcmp (sub, "show") != 0)
    return cli_usage (cli, "tenant", "expected create, ls or show");
  if (nargs != (strcmp (sub, "ls") == 0 ? 0 : 1))
    return cli_usage (cli, "tenant", "wrong number of arguments");
  rc = cli_open_store (cli, &st);
  if (rc < 0)
    return rc;
  if (strcmp (sub, "create") == 0)
    rc = tenant_create (cli, st, argv[optind + 1], plan);
  else if (strcmp (sub, "ls") == 0)
    rc = tenant_ls (cli, st);
  else
    rc = tenant_show (cli, st, argv[optind + 1]);
  store_close (st);
  return rc;
}
