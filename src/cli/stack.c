#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"
#include "provision/provision.h"

static const char usage[]
    = "usage: cfp stack ls [--tenant T] [--json]\n"
      "       cfp stack status TENANT/STACK [--json]\n"
      "       cfp stack stop|start|restart TENANT/STACK [--json]\n"
      "       cfp stack rm TENANT/STACK [--volumes] [--json]\n"
      "\n"
      "ls reads the state database only; the others ask the engine too.\n"
      "start follows depends_on order, stop the reverse.  rm removes the\n"
      "stack's containers and network, and with --volumes its volumes\n"
      "(their data is gone for good); without it they are kept.\n";

enum
{
  OPT_TENANT = OPT_FIRST_LOCAL,
  OPT_VOLUMES,
};

static int
stack_ls (struct cli *cli, struct store *st, const char *tenant)
{
  struct stack_row *rows = NULL;
  struct tenant_row t;
  size_t n = 0;
  json_t *a = json_array ();
  int rc = 0;

  if (tenant != NULL && name_check ("tenant", tenant, &cli->err) < 0)
    rc = -CFP_E_INVALID;
  else if (tenant != NULL)
    rc = store_tenant_get (st, tenant, &t, &cli->err);
  if (rc == 0)
    rc = store_stack_list (st, tenant, &rows, &n, &cli->err);
  if (rc < 0)
    {
      json_decref (a);
      return rc;
    }
  if (!cli->json)
    printf ("%-30s %-16s %-8s %8s  %s\n", "STACK", "TEMPLATE", "STATE",
            "SERVICES", "UPDATED");
  for (size_t i = 0; i < n; i++)
    {
      char when[32];
      cleanup_free char *ref
          = xasprintf ("%s/%s", rows[i].tenant, rows[i].name);

      cli_time (rows[i].updated_at, when, sizeof when);
      if (cli->json)
        json_array_append_new (
            a,
            json_pack ("{s:s, s:s, s:s, s:s, s:i, s:s}", "tenant",
                       rows[i].tenant, "stack", rows[i].name, "template",
                       rows[i].template_name, "state", rows[i].state,
                       "services", (int)rows[i].n_services, "updated", when));
      else
        printf ("%-30s %-16s %-8s %8zu  %s\n", ref, rows[i].template_name,
                rows[i].state, rows[i].n_services, when);
    }
  if (cli->json)
    cli_print_json (a);
  else
    json_decref (a);
  stack_rows_free (rows, n);
  return 0;
}

static const char *
str_or (json_t *o, const char *key, const char *def)
{
  const char *s = json_string_value (json_object_get (o, key));

  return s ? s : def;
}

static void
print_status (json_t *s)
{
  size_t i;
  json_t *svc, *v;

  printf ("stack:    %s/%s\ntemplate: %s\nstate:    %s\nnetwork:  %s\n",
          str_or (s, "tenant", ""), str_or (s, "stack", ""),
          str_or (s, "template", ""), str_or (s, "state", ""),
          str_or (s, "network", ""));
  printf ("%-14s %-10s %-10s %8s %4s  %s\n", "SERVICE", "STATE", "HEALTH",
          "RESTARTS", "EXIT", "CONTAINER");
  json_array_foreach (json_object_get (s, "services"), i, svc)
  {
    printf ("%-14s %-10s %-10s %8lld %4lld  %s\n", str_or (svc, "service", ""),
            str_or (svc, "state", "?"), str_or (svc, "health", "-"),
            json_integer_value (json_object_get (svc, "restarts")),
            json_integer_value (json_object_get (svc, "exit_code")),
            str_or (svc, "container", ""));
  }
  json_array_foreach (json_object_get (s, "volumes"), i, v)
      printf ("volume:   %s\n", json_string_value (v));
}

static int
stack_op (struct cli *cli, struct store *st, const char *sub, const char *ref,
          bool volumes)
{
  cleanup_free char *tenant = NULL;
  cleanup_free char *stack = NULL;
  struct prov_report rep = { 0 };
  struct dock *d = NULL;
  json_t *status = NULL;
  int rc;

  rc = prov_split_ref (ref, &tenant, &stack, &cli->err);
  if (rc == 0)
    rc = cli_open_engine (cli, &d);
  if (rc < 0)
    return rc;
  if (!cli->json)
    rep.on_item = cli_print_item;
  if (strcmp (sub, "status") == 0)
    rc = prov_status (st, d, tenant, stack, &status, &cli->err);
  else if (strcmp (sub, "rm") == 0)
    rc = prov_remove (st, d, tenant, stack, volumes, &rep, &cli->err);
  else
    rc = prov_lifecycle (st, d, tenant, stack,
                         strcmp (sub, "stop") == 0    ? PROV_STOP
                         : strcmp (sub, "start") == 0 ? PROV_START
                                                      : PROV_RESTART,
                         &rep, &cli->err);
  if (rc == 0 && status != NULL)
    {
      if (cli->json)
        cli_print_json (json_incref (status));
      else
        print_status (status);
    }
  else if (rc == 0 && cli->json)
    cli_print_json (json_pack ("{s:s, s:s, s:s, s:o}", "tenant", tenant,
                               "stack", stack, "action", sub, "items",
                               prov_report_json (&rep)));
  json_decref (status);
  prov_report_free (&rep);
  dock_close (d);
  return rc;
}

static bool
known_sub (const char *s)
{
  static const char *const subs[]
      = { "ls", "status", "stop", "start", "restart", "rm" };

  for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
    if (strcmp (s, subs[i]) == 0)
      return true;
  return false;
}

int
cmd_stack (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[]
      = { CLI_COMMON_OPTIONS,
          { "tenant", required_argument, NULL, OPT_TENANT },
          { "volumes", no_argument, NULL, OPT_VOLUMES },
          { 0 } };
  const char *tenant = NULL;
  bool volumes = false;
  struct store *st = NULL;
  int opt, rc;

  optind = 0;
  while ((opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (opt == OPT_TENANT)
      tenant = optarg;
    else if (opt == OPT_VOLUMES)
      volumes = true;
    else if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "stack", "unknown option");
  if (optind >= argc || !known_sub (argv[optind]))
    return cli_usage (cli, "stack",
                      "expected ls, status, stop, start, restart or rm");
  if (argc - optind != (strcmp (argv[optind], "ls") == 0 ? 1 : 2))
    return cli_usage (cli, "stack", "wrong number of arguments");
  rc = cli_open_store (cli, &st);
  if (rc < 0)
    return rc;
  if (strcmp (argv[optind], "ls") == 0)
    rc = stack_ls (cli, st, tenant);
  else
    rc = stack_op (cli, st, argv[optind], argv[optind + 1], volumes);
  store_close (st);
  return rc;
}
