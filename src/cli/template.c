#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"
#include "provision/template.h"

static const char usage[]
    = "usage: cfp template ls [--json]\n"
      "       cfp template show NAME [--json]\n"
      "\n"
      "Templates are built in; a directory <state-dir>/templates/NAME/ with\n"
      "template.yml and compose.yml adds or replaces one "
      "(docs/templates.md).\n";

static json_t *
tmpl_json (const struct tmpl *t, bool full)
{
  json_t *j
      = json_pack ("{s:s, s:s, s:s}", "name", t->name, "description",
                   t->description ? t->description : "", "origin", t->origin);
  json_t *params = json_array (), *secrets = json_array ();
  json_t *svcs = json_array (), *vols = json_array ();

  for (size_t i = 0; i < t->n_params; i++)
    json_array_append_new (params, json_pack ("{s:s, s:s, s:s}", "name",
                                              t->params[i].name, "default",
                                              t->params[i].def, "description",
                                              t->params[i].description));
  for (size_t i = 0; i < t->n_secrets; i++)
    json_array_append_new (secrets, json_string (t->secrets[i]));
  for (size_t i = 0; i < t->n_services; i++)
    {
      json_t *ports = json_array ();
      for (size_t k = 0; k < t->services[i].n_expose; k++)
        json_array_append_new (ports, json_integer (t->services[i].expose[k]));
      json_array_append_new (
          svcs, json_pack (
                    "{s:s, s:s, s:o, s:i}", "name", t->services[i].name, "kind",
                    t->services[i].kind == TMPL_BATCH ? "batch" : "service",
                    "expose", ports, "share", t->services[i].share));
    }
  for (size_t i = 0; i < t->n_volumes; i++)
    json_array_append_new (vols,
                           json_pack ("{s:s, s:b}", "name", t->volumes[i].name,
                                      "state", t->volumes[i].state));
  json_object_set_new (j, "parameters", params);
  json_object_set_new (j, "secrets", secrets);
  json_object_set_new (j, "services", svcs);
  json_object_set_new (j, "volumes", vols);
  if (full)
    json_object_set_new (j, "compose", json_string (t->compose));
  return j;
}

static int
template_ls (struct cli *cli)
{
  cleanup_free char *dir = cli_template_dir (cli);
  char **names = NULL;
  json_t *a = json_array ();
  int rc = tmpl_list (dir, &names, &cli->err);

  if (!cli->json && rc == 0)
    printf ("%-16s %-9s %s\n", "TEMPLATE", "SERVICES", "DESCRIPTION");
  for (size_t i = 0; rc == 0 && names[i]; i++)
    {
      struct tmpl *t;

      rc = tmpl_load (dir, names[i], &t, &cli->err);
      if (rc < 0)
        break;
      if (cli->json)
        json_array_append_new (a, tmpl_json (t, false));
      else
        printf ("%-16s %-9zu %.60s%s\n", t->name, t->n_services,
                t->description ? t->description : "",
                t->description && strlen (t->description) > 60 ? "..." : "");
      tmpl_free (t);
    }
  tmpl_names_free (names);
  if (rc == 0 && cli->json)
    cli_print_json (a);
  else
    json_decref (a);
  return rc;
}

static void
print_template (const struct tmpl *t)
{
  printf ("template:    %s (%s)\n", t->name, t->origin);
  printf ("description: %s\n", t->description ? t->description : "");
  printf ("parameters:\n");
  for (size_t i = 0; i < t->n_params; i++)
    printf ("  %-14s default `%s`: %s\n", t->params[i].name, t->params[i].def,
            t->params[i].description);
  printf ("secrets:    ");
  for (size_t i = 0; i < t->n_secrets; i++)
    printf (" %s", t->secrets[i]);
  printf ("%s\nservices:\n", t->n_secrets ? "" : " none");
  for (size_t i = 0; i < t->n_services; i++)
    {
      printf ("  %-14s %s, share %u, ingress ports:", t->services[i].name,
              t->services[i].kind == TMPL_BATCH ? "batch" : "service",
              t->services[i].share);
      for (size_t k = 0; k < t->services[i].n_expose; k++)
        printf (" %d", t->services[i].expose[k]);
      printf ("%s\n", t->services[i].n_expose ? "" : " none");
    }
  printf ("volumes:\n");
  for (size_t i = 0; i < t->n_volumes; i++)
    printf ("  %-14s%s\n", t->volumes[i].name,
            t->volumes[i].state ? " (state)" : "");
  printf ("compose.yml:\n%s", t->compose);
}

int
cmd_template (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
  cleanup_free char *dir = NULL;
  struct tmpl *t;
  int opt, rc;

  optind = 0;
  while ((opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "template", "unknown option");
  if (optind + 1 == argc && strcmp (argv[optind], "ls") == 0)
    return template_ls (cli);
  if (optind + 2 != argc || strcmp (argv[optind], "show") != 0)
    return cli_usage (cli, "template", "expected `ls` or `show NAME`");
  dir = cli_template_dir (cli);
  rc = tmpl_load (dir, argv[optind + 1], &t, &cli->err);
  if (rc < 0)
    return rc;
  if (cli->json)
    cli_print_json (tmpl_json (t, true));
  else
    print_template (t);
  tmpl_free (t);
  return 0;
}
