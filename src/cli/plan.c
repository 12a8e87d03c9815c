#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/plan.h"

static const char usage[]
    = "usage: cfp plan ls [--json]\n"
      "\n"
      "Lists the plans with their limits.  CPU, memory and pids are per\n"
      "stack and shared by the stack's services; /tmp is per container.\n";

static json_t *
plan_json (const struct plan *p)
{
  return json_pack (
      "{s:s, s:i, s:f, s:I, s:I, s:I, s:i, s:s, s:i}", "name", p->name,
      "max_stacks", p->max_stacks, "vcpus", (double)p->nano_cpus / 1e9,
      "memory_bytes", (json_int_t)p->memory, "pids", (json_int_t)p->pids,
      "tmp_bytes", (json_int_t)p->tmp_size, "max_domains", p->max_domains,
      "backups", p->backups, "log_retention_days", p->log_retention_days);
}

static void
print_table (void)
{
  printf ("%-10s %6s %6s %8s %6s %6s %7s  %s\n", "PLAN", "STACKS", "VCPU",
          "MEMORY", "PIDS", "TMP", "DOMAINS", "BACKUPS");
  for (const struct plan *p = plan_builtin; p->name; p++)
    printf ("%-10s %6d %6.2g %5lldMiB %6lld %3lldMiB %7d  %s\n", p->name,
            p->max_stacks, (double)p->nano_cpus / 1e9,
            (long long)(p->memory >> 20), (long long)p->pids,
            (long long)(p->tmp_size >> 20), p->max_domains, p->backups);
}

int
cmd_plan (struct cli *cli, int argc, char **argv)
{
  static const struct option opts[] = { CLI_COMMON_OPTIONS, { 0 } };
  int opt;

  optind = 0;
  while ((opt = getopt_long (argc, argv, "", opts, NULL)) != -1)
    if (cli_common_opt (cli, opt, usage) == 0)
      return cli_usage (cli, "plan", "unknown option");
  if (optind >= argc || strcmp (argv[optind], "ls") != 0 || optind + 1 != argc)
    return cli_usage (cli, "plan", "expected `ls`");
  if (!cli->json)
    {
      print_table ();
      return 0;
    }
  json_t *a = json_array ();
  for (const struct plan *p = plan_builtin; p->name; p++)
    json_array_append_new (a, plan_json (p));
  cli_print_json (a);
  return 0;
}
