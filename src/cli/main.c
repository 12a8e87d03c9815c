/* cfp: the CloudFreedom Agent Platform control plane. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/util.h"

#ifndef CFP_VERSION
#define CFP_VERSION "0.1.0"
#endif

static const char usage[]
    = "usage: cfp COMMAND [OPTIONS]\n"
      "\n"
      "Deploys tenant agent stacks onto the local Docker engine with\n"
      "hardened defaults that tenants cannot switch off.\n"
      "\n"
      "commands:\n"
      "  init                         create the state directory\n"
      "  plan ls                      list the plans and their limits\n"
      "  tenant create|ls|show        manage tenants\n"
      "  template ls|show             list and describe templates\n"
      "  deploy TEMPLATE ...          deploy or update a stack\n"
      "  deploy --compose FILE ...    deploy a tenant's own compose file\n"
      "  policy check|rewrite|rules|explain\n"
      "                               the admission policy for compose "
      "files\n"
      "  stack ls|status|stop|start|restart|rm\n"
      "                               operate on stacks\n"
      "  version                      print the version\n"
      "\n"
      "Every command takes --help, --json (output for scripts) and\n"
      "--state-dir DIR (else $CFP_STATE_DIR, else /var/lib/cfp for root,\n"
      "else $XDG_STATE_HOME/cfp).  The engine socket is $DOCKER_HOST when\n"
      "it is unix://PATH, else /var/run/docker.sock.\n"
      "\n"
      "exit codes:\n"
      "  0  success\n"
      "  1  failure not covered below\n"
      "  2  usage error: unknown command or option, missing argument\n"
      "  3  not found: tenant, plan, template, stack or image\n"
      "  4  invalid input: a name that is not a DNS label, an unknown\n"
      "     parameter, a template or compose file cfp refuses\n"
      "  5  the tenant's plan does not allow it (e.g. stack count)\n"
      "  6  the Docker engine is down, timed out or refused the request\n"
      "  7  state directory: missing, already initialised or unreadable\n"
      "  8  conflict: the object exists already\n"
      "`cfp policy check` and `rewrite` have their own: 0 clean, 1 findings,\n"
      "2 unusable input.\n";

struct command
{
  const char *name;
  int (*fn) (struct cli *cli, int argc, char **argv);
};

static const struct command commands[] = {
  { "init", cmd_init },     { "plan", cmd_plan },
  { "tenant", cmd_tenant }, { "template", cmd_template },
  { "deploy", cmd_deploy }, { "stack", cmd_stack },
  { "policy", cmd_policy },
};

int
main (int argc, char **argv)
{
  struct cli cli = { 0 };

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      fputs (usage, argc < 2 ? stderr : stdout);
      return argc < 2 ? CFP_E_USAGE : 0;
    }
  if (strcmp (argv[1], "version") == 0 || strcmp (argv[1], "--version") == 0)
    {
      printf ("cfp %s\n", CFP_VERSION);
      return 0;
    }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        opterr = 0; /* cfp words its own usage errors, on one line */
        cli.argv = argv + 1;
        return cli_fail (&cli, commands[i].fn (&cli, argc - 1, argv + 1));
      }
  cfp_err_set (&cli.err, CFP_E_USAGE,
               "unknown command `%.64s` (see `cfp --help`)", argv[1]);
  return cli_fail (&cli, -CFP_E_USAGE);
}
