/* Unit tests for src/compose: parser, model and interpolation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "core/util.h"

/* struct cmp_kv holds `char *`: arrays, not literals (-Wwrite-strings). */
static char k_img[] = "IMG", v_img[] = "registry.local/agent:1";
static char k_empty[] = "EMPTY", v_empty[] = "";
static char k_cpus[] = "CPUS", v_cpus[] = "0.5";
static char k_mem[] = "MEM", v_mem[] = "256m";
static char k_port[] = "PORT", v_port[] = "8080";
static char k_ro[] = "RO", v_ro[] = "true";

static const struct cmp_kv param_items[] = {
  { k_img, v_img }, { k_empty, v_empty }, { k_cpus, v_cpus },
  { k_mem, v_mem }, { k_port, v_port },   { k_ro, v_ro },
};
static const struct cmp_params params
    = { param_items, sizeof param_items / sizeof *param_items };

static struct cmp_stack *
parse_ok (const char *yaml)
{
  struct cfp_err err = { 0 };
  struct cmp_stack *st = NULL;
  int rc
      = compose_parse (yaml, strlen (yaml), "compose.yml", &params, &st, &err);

  if (rc != 0)
    print_error ("unexpected error: %s\n", err.msg);
  assert_int_equal (rc, 0);
  assert_non_null (st);
  return st;
}

/* Asserts that parsing fails with CFP_E_INVALID, a one-line message and
 * `want` somewhere in it. */
static void
parse_err (const char *yaml, const char *want)
{
  struct cfp_err err = { 0 };
  struct cmp_stack *st = (struct cmp_stack *)1;
  int rc
      = compose_parse (yaml, strlen (yaml), "compose.yml", &params, &st, &err);

  assert_int_equal (rc, -CFP_E_INVALID);
  assert_int_equal (err.code, CFP_E_INVALID);
  assert_null (st);
  if (strstr (err.msg, want) == NULL)
    {
      print_error ("message: %s\nwanted:  %s\n", err.msg, want);
      fail ();
    }
  assert_null (strchr (err.msg, '\n'));
  assert_true (strncmp (err.msg, "compose.yml", 11) == 0);
}

static char *
interp_ok (const char *in)
{
  struct cfp_err err = { 0 };
  char *out = NULL;

  if (compose_interpolate (in, &params, &out, &err) != 0)
    print_error ("unexpected error for `%s`: %s\n", in, err.msg);
  assert_non_null (out);
  return out;
}

static void
interp_is (const char *in, const char *want)
{
  cleanup_free char *out = interp_ok (in);

  assert_string_equal (out, want);
}

static void
interp_err (const char *in, const char *want)
{
  struct cfp_err err = { 0 };
  char *out = NULL;

  assert_int_equal (compose_interpolate (in, &params, &out, &err),
                    -CFP_E_INVALID);
  assert_null (out);
  if (strstr (err.msg, want) == NULL)
    {
      print_error ("message: %s\nwanted:  %s\n", err.msg, want);
      fail ();
    }
}

/* --- a full file ------------------------------------------------------- */

static const char full_yaml[]
    = "version: \"3.9\"\n"
      "name: demo\n"
      "x-defaults: &defaults\n"
      "  restart: unless-stopped\n"
      "  environment:\n"
      "    LOG_LEVEL: debug\n"
      "    WORKERS: 4\n"
      "    VERBOSE: true\n"
      "    PASSTHROUGH:\n"
      "  labels:\n"
      "    com.example.team: agents\n"
      "x-health: &health\n"
      "  interval: 1m30s\n"
      "  timeout: 500ms\n"
      "  start_period: 1.5s\n"
      "  retries: 3\n"
      "services:\n"
      "  web:\n"
      "    <<: *defaults\n"
      "    image: ${IMG}\n"
      "    command: sh -c 'echo \"hi there\" && sleep 1' a\\ b\n"
      "    entrypoint: [\"/bin/tini\", \"--\"]\n"
      "    user: \"1000:1000\"\n"
      "    working_dir: /srv\n"
      "    volumes:\n"
      "      - data:/data\n"
      "      - cache:/cache:ro\n"
      "      - type: volume\n"
      "        source: data\n"
      "        target: /more\n"
      "        read_only: ${RO}\n"
      "      - type: tmpfs\n"
      "        target: /scratch\n"
      "        tmpfs:\n"
      "          size: 64m\n"
      "    tmpfs: /tmp\n"
      "    depends_on:\n"
      "      db:\n"
      "        condition: service_healthy\n"
      "    expose: [8080, \"9090/tcp\", \"${PORT}\"]\n"
      "    healthcheck:\n"
      "      <<: *health\n"
      "      test: curl -f http://localhost/ || exit 1\n"
      "    deploy:\n"
      "      resources:\n"
      "        limits: {cpus: \"${CPUS}\", memory: 512M, pids: 100}\n"
      "        reservations: {memory: $MEM, cpus: 0.25}\n"
      "    stop_grace_period: 20s\n"
      "    x-note: extension fields are ignored\n"
      "  db:\n"
      "    image: postgres:16\n"
      "    environment:\n"
      "      - POSTGRES_DB=app\n"
      "      - UNSET_ONE\n"
      "      - DSN=a=b\n"
      "      - PRICE=$$5\n"
      "    labels: [\"tier=db\", bare]\n"
      "    tmpfs: [/run, \"/var/run:size=1m\"]\n"
      "    healthcheck:\n"
      "      test: [\"CMD\", \"pg_isready\"]\n"
      "      disable: false\n"
      "    mem_limit: 1g\n"
      "    mem_reservation: 512m\n"
      "    cpus: 2\n"
      "    pids_limit: 200\n"
      "    restart: \"no\"\n"
      "  worker:\n"
      "    <<: *defaults\n"
      "    image: busybox\n"
      "    depends_on: [db, web]\n"
      "    restart: on-failure\n"
      "volumes:\n"
      "  data:\n"
      "  cache: {}\n";

static const char *
kv_get (const struct cmp_kv *kv, size_t n, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (kv[i].key, key) == 0)
      return kv[i].value ? kv[i].value : "(null)";
  return NULL;
}

static void
check_web (const struct cmp_service *s)
{
  const char *argv[] = { "sh", "-c", "echo \"hi there\" && sleep 1", "a b" };

  assert_string_equal (s->image, "registry.local/agent:1");
  assert_int_equal (s->pos.line, 18);
  assert_int_equal (s->pos.col, 3);
  for (size_t i = 0; i < 4; i++)
    assert_string_equal (s->command[i], argv[i]);
  assert_null (s->command[4]);
  assert_string_equal (s->entrypoint[0], "/bin/tini");
  assert_string_equal (s->entrypoint[1], "--");
  assert_null (s->entrypoint[2]);
  assert_string_equal (s->user, "1000:1000");
  assert_string_equal (s->working_dir, "/srv");
  assert_string_equal (s->restart, "unless-stopped");
  /* From the merge key. */
  assert_int_equal (s->n_env, 4);
  assert_string_equal (kv_get (s->env, s->n_env, "WORKERS"), "4");
  assert_string_equal (kv_get (s->env, s->n_env, "VERBOSE"), "true");
  assert_string_equal (kv_get (s->env, s->n_env, "PASSTHROUGH"), "(null)");
  assert_string_equal (kv_get (s->labels, s->n_labels, "com.example.team"),
                       "agents");
  assert_int_equal (s->stop_grace_ms, 20000);
}

static void
check_web_mounts (const struct cmp_service *s)
{
  assert_int_equal (s->n_mounts, 5);
  assert_int_equal (s->mounts[0].type, CMP_MOUNT_VOLUME);
  assert_string_equal (s->mounts[0].source, "data");
  assert_string_equal (s->mounts[0].target, "/data");
  assert_false (s->mounts[0].read_only);
  assert_int_equal (s->mounts[0].pos.line, 26);
  assert_true (s->mounts[1].read_only);
  assert_string_equal (s->mounts[2].target, "/more");
  assert_true (s->mounts[2].read_only);
  assert_int_equal (s->mounts[3].type, CMP_MOUNT_TMPFS);
  assert_null (s->mounts[3].source);
  assert_int_equal (s->mounts[3].tmpfs_size, 64 * 1024 * 1024);
  assert_int_equal (s->mounts[4].type, CMP_MOUNT_TMPFS);
  assert_string_equal (s->mounts[4].target, "/tmp");
}

static void
check_web_runtime (const struct cmp_service *s)
{
  const struct cmp_healthcheck *h = &s->healthcheck;

  assert_int_equal (s->n_depends_on, 1);
  assert_string_equal (s->depends_on[0], "db");
  assert_int_equal (s->n_expose, 2); /* 8080 twice is kept once */
  assert_int_equal (s->expose[0], 8080);
  assert_int_equal (s->expose[1], 9090);
  assert_true (h->present);
  assert_false (h->disable);
  assert_string_equal (h->test[0], "CMD-SHELL");
  assert_string_equal (h->test[1], "curl -f http://localhost/ || exit 1");
  assert_null (h->test[2]);
  assert_int_equal (h->interval_ms, 90000);
  assert_int_equal (h->timeout_ms, 500);
  assert_int_equal (h->start_period_ms, 1500);
  assert_int_equal (h->retries, 3);
  assert_true (s->cpus > 0.49 && s->cpus < 0.51);
  assert_int_equal (s->mem_limit, 512LL * 1024 * 1024);
  assert_int_equal (s->mem_reservation, 256LL * 1024 * 1024);
  assert_int_equal (s->pids_limit, 100);
}

static void
check_db (const struct cmp_service *s)
{
  assert_string_equal (s->image, "postgres:16");
  assert_string_equal (kv_get (s->env, s->n_env, "POSTGRES_DB"), "app");
  assert_string_equal (kv_get (s->env, s->n_env, "UNSET_ONE"), "(null)");
  assert_string_equal (kv_get (s->env, s->n_env, "DSN"), "a=b");
  assert_string_equal (kv_get (s->env, s->n_env, "PRICE"), "$5");
  assert_string_equal (kv_get (s->labels, s->n_labels, "tier"), "db");
  assert_string_equal (kv_get (s->labels, s->n_labels, "bare"), "");
  assert_int_equal (s->n_mounts, 2);
  assert_string_equal (s->mounts[1].target, "/var/run");
  assert_int_equal (s->mounts[1].tmpfs_size, 1024 * 1024);
  assert_string_equal (s->healthcheck.test[0], "CMD");
  assert_int_equal (s->mem_limit, 1024LL * 1024 * 1024);
  assert_int_equal (s->mem_reservation, 512LL * 1024 * 1024);
  assert_true (s->cpus > 1.99 && s->cpus < 2.01);
  assert_int_equal (s->pids_limit, 200);
  assert_string_equal (s->restart, "no");
  assert_null (s->command);
  assert_null (s->user);
  assert_int_equal (s->stop_grace_ms, 0);
}

static void
test_full_file (void **state)
{
  struct cmp_stack *st = parse_ok (full_yaml);
  const struct cmp_service *worker;

  (void)state;
  assert_string_equal (st->file, "compose.yml");
  assert_int_equal (st->n_services, 3);
  assert_int_equal (st->n_volumes, 2);
  assert_string_equal (st->volumes[0].name, "data");
  assert_string_equal (st->volumes[1].name, "cache");
  assert_int_equal (st->volumes[1].pos.line, 74);
  check_web (compose_service (st, "web"));
  check_web_mounts (compose_service (st, "web"));
  check_web_runtime (compose_service (st, "web"));
  check_db (compose_service (st, "db"));
  worker = compose_service (st, "worker");
  assert_non_null (worker);
  assert_string_equal (worker->image, "busybox");
  assert_string_equal (worker->restart, "on-failure");
  assert_string_equal (kv_get (worker->env, worker->n_env, "LOG_LEVEL"),
                       "debug");
  assert_int_equal (worker->n_depends_on, 2);
  assert_null (compose_service (st, "nope"));
  compose_free (st);
}

static void
test_merge_key_precedence (void **state)
{
  struct cmp_stack *st
      = parse_ok ("x-a: &a {image: a, user: ua, working_dir: /a}\n"
                  "x-b: &b {image: b, user: ub, entrypoint: eb}\n"
                  "services:\n"
                  "  s:\n"
                  "    image: mine\n"
                  "    <<: [*a, *b]\n"
                  "  t: *b\n");
  const struct cmp_service *s = compose_service (st, "s");
  const struct cmp_service *t = compose_service (st, "t");

  (void)state;
  assert_string_equal (s->image, "mine"); /* explicit keys win */
  assert_string_equal (s->user, "ua");    /* the first merged map wins */
  assert_string_equal (s->working_dir, "/a");
  assert_string_equal (s->entrypoint[0], "eb");
  assert_string_equal (t->image, "b");
  compose_free (st);
}

static void
test_empty_argv_and_defaults (void **state)
{
  struct cmp_stack *st = parse_ok ("services:\n"
                                   "  web:\n"
                                   "    image: x\n"
                                   "    entrypoint: \"\"\n"
                                   "    command: []\n"
                                   "    healthcheck:\n"
                                   "      test: [\"NONE\"]\n");
  const struct cmp_service *s = &st->services[0];

  (void)state;
  assert_non_null (s->entrypoint);
  assert_null (s->entrypoint[0]);
  assert_non_null (s->command);
  assert_null (s->command[0]);
  assert_true (s->healthcheck.disable);
  assert_int_equal (s->n_mounts, 0);
  assert_int_equal (s->cpus, 0);
  compose_free (st);
}

/* --- interpolation ----------------------------------------------------- */

static void
test_interp_forms (void **state)
{
  (void)state;
  interp_is ("plain", "plain");
  interp_is ("${IMG}", "registry.local/agent:1");
  interp_is ("$IMG", "registry.local/agent:1");
  interp_is ("a-$PORT-b", "a-8080-b");
  interp_is ("$PORT.x", "8080.x");
  interp_is ("$$", "$");
  interp_is ("$$IMG and $${IMG}", "$IMG and ${IMG}");
  interp_is ("${NOPE:-dflt}", "dflt");
  interp_is ("${EMPTY:-dflt}", "dflt");
  interp_is ("${PORT:-dflt}", "8080");
  interp_is ("${NOPE-dflt}", "dflt");
  interp_is ("${EMPTY-dflt}", "");
  interp_is ("${NOPE:-}", "");
  interp_is ("${PORT:?must be set}", "8080");
  interp_is ("${EMPTY?set but empty is fine}", "");
  interp_is ("${NOPE:-${PORT}}", "8080");
  interp_is ("${NOPE:-${NADA:-deep}}", "deep");
  interp_is ("${NOPE:-x$${y}}", "x${y}");
  interp_is ("${NOPE:-a}b}", "ab}");
  interp_is ("}{", "}{");
}

static void
test_interp_errors (void **state)
{
  struct cfp_err err = { 0 };
  char *out = NULL, *big;

  (void)state;
  interp_err ("${NOPE}", "variable `NOPE` is not set and has no default");
  interp_err ("$NOPE", "variable `NOPE` is not set and has no default");
  interp_err ("${NOPE:?give a token}",
              "variable `NOPE` is required: give a token");
  interp_err ("${EMPTY:?}", "variable `EMPTY` is required");
  /* The message is shown as written, never with a parameter's value. */
  interp_err ("${NOPE:?${EMPTY}x${TOKEN}}",
              "variable `NOPE` is required: ${EMPTY}x${TOKEN}");
  interp_err ("${NOPE?}", "variable `NOPE` is required");
  interp_err ("${", "unterminated `${`");
  interp_err ("x ${A", "unterminated `${`");
  interp_err ("${A:x}", "invalid expression `${A:x}`");
  interp_err ("${A B}", "invalid expression");
  interp_err ("${}", "expected a variable name");
  interp_err ("${1A}", "expected a variable name");
  interp_err ("cost $5", "write `$$` for a literal dollar sign");
  interp_err ("trailing $", "invalid `$`");
  interp_err ("${NOPE:-${NADA}}", "variable `NADA` is not set");
  /* Parameters are the only source: never the environment. */
  setenv ("CFP_TEST_ENV_ONLY", "leak", 1);
  interp_err ("${CFP_TEST_ENV_ONLY}", "is not set");
  assert_int_equal (compose_interpolate ("${IMG}", NULL, &out, &err),
                    -CFP_E_INVALID);
  /* Output is bounded. */
  big = xmalloc (COMPOSE_MAX_SCALAR + 2);
  memset (big, 'a', COMPOSE_MAX_SCALAR + 1);
  big[COMPOSE_MAX_SCALAR + 1] = '\0';
  interp_err (big, "longer than the limit of 65536 bytes");
  free (big);
}

static void
test_interp_in_file (void **state)
{
  struct cmp_stack *st;

  (void)state;
  parse_err ("services:\n"
             "  web:\n"
             "    image: busybox\n"
             "    environment:\n"
             "      TOKEN: ${FOO}\n",
             "compose.yml:5:14: service `web`: variable `FOO` is not set "
             "and has no default");
  parse_err ("services:\n  web:\n    image: ${A:x}\n",
             "compose.yml:3:12: service `web`: invalid expression `${A:x}`");
  parse_err ("services:\n  web:\n    image: pay $5\n",
             "compose.yml:3:12: service `web`: invalid `$`");
  /* Interpolation runs before typed conversion; keys are not touched. */
  st = parse_ok ("services:\n"
                 "  web:\n"
                 "    image: x\n"
                 "    cpus: $CPUS\n"
                 "    mem_limit: ${MEM}\n"
                 "    environment:\n"
                 "      ${IMG}: literal-key\n");
  assert_true (st->services[0].cpus > 0.49 && st->services[0].cpus < 0.51);
  assert_int_equal (st->services[0].mem_limit, 256LL * 1024 * 1024);
  assert_string_equal (st->services[0].env[0].key, "${IMG}");
  compose_free (st);
}

/* --- keys -------------------------------------------------------------- */

static void
test_unknown_top_level_key (void **state)
{
  (void)state;
  parse_err ("services:\n  web: {image: x}\nnetworks:\n  front: {}\n",
             "compose.yml:3:1: unknown top-level key `networks`: cfp creates "
             "the stack's network itself");
  parse_err ("services:\n  web: {image: x}\n\nsecrets: {}\n",
             "compose.yml:4:1: unknown top-level key `secrets`");
  parse_err ("services:\n  web: {image: x}\nfoo: 1\n",
             "compose.yml:3:1: unknown top-level key `foo`");
  parse_err ("include: [other.yml]\nservices:\n  web: {image: x}\n",
             "compose.yml:1:1: unknown top-level key `include`");
}

static void
test_unknown_service_key (void **state)
{
  (void)state;
  parse_err ("services:\n"
             "  web:\n"
             "    image: x\n"
             "    privileged: true\n",
             "compose.yml:4:5: service `web`: unknown key `privileged`");
  parse_err ("services:\n"
             "  web:\n"
             "    image: x\n"
             "    ports:\n"
             "      - \"80:80\"\n",
             "compose.yml:4:5: service `web`: unknown key `ports`: cfp never "
             "publishes host ports");
  parse_err ("services:\n"
             "  web:\n"
             "    image: x\n"
             "    deploy:\n"
             "      resources:\n"
             "        limits: {cpus: 1, devices: []}\n",
             "compose.yml:6:27: service `web`: unknown key "
             "`deploy.resources.limits.devices`");
  parse_err ("services:\n"
             "  web:\n"
             "    image: x\n"
             "    healthcheck: {test: [CMD, x], start_interval: 1s}\n",
             "unknown key `healthcheck.start_interval`");
}

static void
test_extensions_ignored (void **state)
{
  struct cmp_stack *st = parse_ok ("x-top: {anything: [1, 2]}\n"
                                   "services:\n"
                                   "  web:\n"
                                   "    image: x\n"
                                   "    x-cfp-note: ${NOT_INTERPOLATED}\n"
                                   "    deploy:\n"
                                   "      x-inner: 1\n");

  (void)state;
  assert_int_equal (st->n_services, 1);
  compose_free (st);
}

/* --- YAML level -------------------------------------------------------- */

static void
test_yaml_syntax_error (void **state)
{
  (void)state;
  parse_err ("services:\n  web:\n    image: \"abc\n",
             "compose.yml:3:13: YAML syntax error: double-quoted scalar "
             "without closing quote");
  parse_err ("services:\n  web:\n    image: x\n    command: [a, b\n",
             "YAML syntax error: flow sequence without a closing bracket");
  parse_err ("services:\n  web: {image: x}\n  web: {image: y}\n",
             "compose.yml:3:3: YAML syntax error: duplicate key");
  parse_err ("services:\n\tweb: {}\n", "compose.yml:2:1: YAML syntax error");
  parse_err ("services:\n  web: {image: x}\n---\nother: 1\n",
             "compose.yml: more than one YAML document");
  parse_err ("", "compose.yml: the file is empty");
  parse_err ("# nothing\n", "the file is empty");
  parse_err ("- a\n- b\n", "the top level must be a mapping");
  parse_err ("services:\n  web:\n    image: !reset x\n",
             "compose.yml:3:19: YAML tag `!reset` is not supported");
  parse_err ("services:\n  web: *nope\n", "unknown alias `*nope`");
  parse_err ("x-a: &a [1, *a]\nservices: {web: {image: x}}\n",
             "alias `*a` refers to a node that contains it");
  parse_err ("services:\n  web:\n    image: \"a\\0b\"\n",
             "contains a NUL character");
}

static void
test_yaml_limits (void **state)
{
  struct buf b;
  char *text;
  struct cfp_err err = { 0 };
  struct cmp_stack *st = NULL;

  (void)state;
  /* An alias bomb fails before libfyaml expands it. */
  buf_init (&b, 0);
  buf_puts (&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
  for (char n = 'b'; n <= 'j'; n++)
    buf_printf (&b, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", n, n,
                n - 1, n - 1, n - 1, n - 1, n - 1, n - 1, n - 1, n - 1);
  buf_puts (&b, "services: {web: {image: x}}\n");
  text = buf_steal (&b);
  parse_err (text, "more than the limit of 100000 YAML nodes");
  free (text);
  /* File size. */
  text = xmalloc (COMPOSE_MAX_BYTES + 2);
  memset (text, '#', COMPOSE_MAX_BYTES + 1);
  assert_int_equal (compose_parse (text, COMPOSE_MAX_BYTES + 1, "compose.yml",
                                   &params, &st, &err),
                    -CFP_E_INVALID);
  assert_non_null (strstr (err.msg, "over the limit of 1048576"));
  free (text);
}

/* --- mounts ------------------------------------------------------------ */

static void
test_host_mounts_rejected (void **state)
{
  (void)state;
  parse_err ("services:\n  web:\n    image: x\n    volumes: [\"/etc:/etc\"]\n",
             "compose.yml:4:16: service `web`: `volumes`: host path `/etc` "
             "cannot be mounted");
  parse_err ("services:\n  web:\n    image: x\n    volumes:\n"
             "      - ./src:/src\n",
             "host path `./src` cannot be mounted");
  parse_err ("services:\n  web:\n    image: x\n    volumes:\n"
             "      - /var/run/docker.sock:/var/run/docker.sock\n",
             "host path `/var/run/docker.sock` cannot be mounted");
  parse_err ("services:\n  web:\n    image: x\n    volumes:\n"
             "      - type: bind\n        source: /\n        target: /host\n",
             "compose.yml:5:15: service `web`: `volumes.type`: bind mounts "
             "are not allowed");
  parse_err ("services:\n  web:\n    image: x\n    volumes:\n"
             "      - type: volume\n        source: ~/x\n        target: /x\n",
             "host path `~/x` cannot be mounted");
  parse_err ("services:\n  web:\n    image: x\n    volumes: [\"/anon\"]\n",
             "`/anon` is not `name:/path[:ro]`");
}

static void
test_undeclared_volume (void **state)
{
  (void)state;
  parse_err ("services:\n  web:\n    image: x\n    volumes: [\"data:/d\"]\n",
             "compose.yml:4:16: service `web`: `volumes`: volume `data` is "
             "not declared under top-level `volumes`");
  parse_err ("services:\n  web:\n    image: x\n    volumes:\n"
             "      - type: volume\n        source: other\n        target: "
             "/d\nvolumes:\n  data:\n",
             "volume `other` is not declared");
  parse_err ("volumes:\n  data:\n    driver: local\n"
             "services:\n  web: {image: x}\n",
             "compose.yml:2:3: volume `data`: options are not supported");
  parse_err ("volumes: {data: }\nservices:\n  web:\n    image: x\n"
             "    volumes: [\"data:/d:z\"]\n",
             "unknown option in `data:/d:z`");
  parse_err ("volumes: {data: }\nservices:\n  web:\n    image: x\n"
             "    volumes: [\"data:/d\", \"data:/d\"]\n",
             "`data:/d` is mounted twice");
  parse_err ("volumes: {data: }\nservices:\n  web:\n    image: x\n"
             "    volumes: [\"data:relative\"]\n",
             "must be an absolute path");
}

/* --- names and dependencies ------------------------------------------- */

static void
test_bad_names (void **state)
{
  (void)state;
  struct cmp_stack *st;

  /* Compose's own names are fine: engine names join parts with '_' and
   * tenant and stack names hold none. */
  st = parse_ok ("volumes:\n  My_Data:\nservices:\n  Web_1:\n"
                 "    image: x\n    volumes: [My_Data:/d]\n");
  compose_free (st);
  parse_err ("services:\n  web/1:\n    image: x\n",
             "compose.yml:2:3: service name `web/1` is not 1-63 characters");
  parse_err ("services:\n  -web: {image: x}\n",
             "service name `-web` is not 1-63 characters");
  parse_err ("volumes:\n  .data:\nservices:\n  web: {image: x}\n",
             "compose.yml:2:3: volume name `.data` is not 1-63 characters");
}

static void
test_depends_on (void **state)
{
  (void)state;
  parse_err ("services:\n  web:\n    image: x\n    depends_on: [db]\n",
             "compose.yml:4:18: service `web`: `depends_on` names unknown "
             "service `db`");
  parse_err ("services:\n  web:\n    image: x\n    depends_on:\n"
             "      cache: {condition: service_started}\n",
             "compose.yml:5:7: service `web`: `depends_on` names unknown "
             "service `cache`");
  parse_err ("services:\n  web:\n    image: x\n    depends_on: [web]\n",
             "names the service itself");
  parse_err ("services:\n"
             "  a: {image: x, depends_on: [b]}\n"
             "  b: {image: x, depends_on: [c]}\n"
             "  c: {image: x, depends_on: [a]}\n",
             "compose.yml:2:3: depends_on cycle: `a` -> `b` -> `c` -> `a`");
  parse_err ("services:\n"
             "  top: {image: x, depends_on: [a]}\n"
             "  a: {image: x, depends_on: {b: {condition: service_healthy}}}\n"
             "  b: {image: x, depends_on: [a]}\n",
             "depends_on cycle: `a` -> `b` -> `a`");
  parse_err ("services:\n  a: {image: x, depends_on: {b: {condition: "
             "sometime}}}\n  b: {image: x}\n",
             "`depends_on.condition` must be `service_started`");
}

/* --- limits and values ------------------------------------------------- */

static void
test_too_many_services (void **state)
{
  struct buf b;
  char *text;

  (void)state;
  buf_init (&b, 0);
  buf_puts (&b, "services:\n");
  for (int i = 0; i <= COMPOSE_MAX_SERVICES; i++)
    buf_printf (&b, "  s%d: {image: x}\n", i);
  text = buf_steal (&b);
  parse_err (text, "compose.yml:1:1: 65 services, over the limit of 64");
  free (text);
}

static void
test_too_many_items (void **state)
{
  struct buf b;
  char *text;

  (void)state;
  buf_init (&b, 0);
  buf_puts (&b, "services:\n  web:\n    image: x\n    environment:\n");
  for (int i = 0; i <= COMPOSE_MAX_ITEMS; i++)
    buf_printf (&b, "      - K%d=v\n", i);
  text = buf_steal (&b);
  parse_err (text, "`environment` has 257 entries, over the limit of 256");
  free (text);
}

#define SVC "services:\n  web:\n    image: x\n"

static void
test_numeric_bounds (void **state)
{
  (void)state;
  parse_err (SVC "    mem_limit: 1m\n",
             "compose.yml:4:16: service `web`: `mem_limit` is `1m`, below "
             "the minimum of 4 MiB");
  parse_err (SVC "    deploy: {resources: {limits: {memory: 4000000}}}\n",
             "below the minimum of 4 MiB");
  parse_err (SVC "    cpus: 300\n",
             "`cpus` must be a number of CPUs from 0.01 to 256, not `300`");
  parse_err (SVC "    cpus: 0.001\n", "from 0.01 to 256");
  parse_err (SVC "    cpus: -1\n", "from 0.01 to 256");
  parse_err (SVC "    pids_limit: 0\n",
             "`pids_limit` must be an integer from 1 to 4194304, not `0`");
  parse_err (SVC "    pids_limit: 4194305\n", "from 1 to 4194304");
  parse_err (SVC "    expose: [0]\n",
             "`0` is not a port number from 1 to 65535");
  parse_err (SVC "    expose: [\"65536/tcp\"]\n", "from 1 to 65535");
  parse_err (SVC "    expose: [\"53/udp\"]\n", "only tcp ports");
  parse_err (SVC "    expose: [\"8000-8010\"]\n", "is not a port number");
  parse_err (SVC "    healthcheck: {retries: 101}\n",
             "`healthcheck.retries` must be an integer from 0 to 100");
  parse_err (SVC "    cpus: 1\n    deploy: {resources: {limits: {cpus: 2}}}\n",
             "`deploy.resources.limits.cpus` conflicts with another setting");
  parse_err (SVC "    restart: sometimes\n",
             "`restart` must be `no`, `always`, `on-failure[:N]` or "
             "`unless-stopped`, not `sometimes`");
}

static void
test_sizes_and_durations (void **state)
{
  struct cmp_stack *st;
  const struct cmp_service *s;

  (void)state;
  st = parse_ok (SVC "    mem_limit: \"512M\"\n"
                     "    mem_reservation: 4194304\n"
                     "    stop_grace_period: 1h2m3s\n"
                     "    healthcheck:\n"
                     "      interval: 5500ms\n"
                     "      timeout: 0.5m\n"
                     "      start_period: 0\n"
                     "    tmpfs:\n"
                     "      - /a:size=2k\n");
  s = &st->services[0];
  assert_int_equal (s->mem_limit, 512LL * 1024 * 1024);
  assert_int_equal (s->mem_reservation, 4194304);
  assert_int_equal (s->stop_grace_ms, 3723000);
  assert_int_equal (s->healthcheck.interval_ms, 5500);
  assert_int_equal (s->healthcheck.timeout_ms, 30000);
  assert_int_equal (s->healthcheck.start_period_ms, 0);
  assert_int_equal (s->mounts[0].tmpfs_size, 2048);
  compose_free (st);
  st = parse_ok (SVC "    mem_limit: 2gb\n");
  assert_int_equal (st->services[0].mem_limit, 2LL * 1024 * 1024 * 1024);
  compose_free (st);
  parse_err (SVC "    mem_limit: 1.5g\n",
             "`mem_limit` must be a size such as `512m` or `1g`, not `1.5g`");
  parse_err (SVC "    stop_grace_period: 10\n",
             "`stop_grace_period` must be a duration such as `30s`");
  parse_err (SVC "    stop_grace_period: 10x\n", "must be a duration");
  parse_err (SVC "    stop_grace_period: -1s\n", "must be a duration");
  parse_err (SVC "    healthcheck: {interval: 1ms}\n",
             "interval `1ms` is below the minimum of 5 s");
  parse_err (SVC "    healthcheck: {interval: 25h}\n",
             "`healthcheck.interval` is `25h`, longer than the limit of 24h");
  parse_err (SVC "    tmpfs: \"/a:mode=1777\"\n",
             "options are `size=` with a size such as `64m`, and rw, noexec");
}

static void
test_booleans_as_strings (void **state)
{
  struct cmp_stack *st;
  const struct cmp_service *s;

  (void)state;
  st = parse_ok ("volumes: {data: }\n" SVC "    volumes:\n"
                 "      - {type: volume, source: data, target: /a, "
                 "read_only: \"true\"}\n"
                 "      - {type: volume, source: data, target: /b, "
                 "read_only: False}\n"
                 "      - {type: volume, source: data, target: /c, "
                 "read_only: TRUE}\n"
                 "    healthcheck: {disable: \"true\"}\n"
                 "    environment: {A: true, B: \"false\", C: 1.50}\n");
  s = &st->services[0];
  assert_true (s->mounts[0].read_only);
  assert_false (s->mounts[1].read_only);
  assert_true (s->mounts[2].read_only);
  assert_true (s->healthcheck.disable);
  assert_string_equal (s->env[0].value, "true");
  assert_string_equal (s->env[1].value, "false");
  assert_string_equal (s->env[2].value, "1.50");
  compose_free (st);
  parse_err ("volumes: {data: }\n" SVC "    volumes:\n"
             "      - {type: volume, source: data, target: /a, "
             "read_only: yes}\n",
             "`volumes.read_only` must be `true` or `false`, not `yes`");
}

static void
test_service_shape (void **state)
{
  (void)state;
  parse_err ("services:\n  web:\n    command: x\n",
             "compose.yml:2:3: service `web`: `image` is required");
  /* `image:` with no value leaves it unset, as in Compose. */
  parse_err ("services:\n  web:\n    image:\n",
             "compose.yml:2:3: service `web`: `image` is required");
  parse_err ("services:\n  web: 1\n", "the service must be a mapping");
  parse_err ("services: {}\n", "`services` is empty");
  parse_err ("volumes: {}\n", "top-level `services` is required");
  parse_err (SVC "    command: \"sh -c 'oops\"\n",
             "`command` has an unterminated quote");
  parse_err (SVC "    environment: {A: [1]}\n",
             "`environment`: `A` must be a string, number, boolean or null");
  parse_err (SVC "    environment: [A=1, A=2]\n", "sets `A` twice");
  parse_err (SVC "    environment: [\"=x\"]\n", "invalid name");
  parse_err (SVC "    working_dir: app\n",
             "`working_dir` must be an absolute path");
  parse_err (SVC "    healthcheck: {test: [echo, hi]}\n",
             "must start with `CMD` or `CMD-SHELL`");
}

static void
test_free_tolerates_null (void **state)
{
  (void)state;
  compose_free (NULL);
  assert_null (compose_service (NULL, "web"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_full_file),
    cmocka_unit_test (test_merge_key_precedence),
    cmocka_unit_test (test_empty_argv_and_defaults),
    cmocka_unit_test (test_interp_forms),
    cmocka_unit_test (test_interp_errors),
    cmocka_unit_test (test_interp_in_file),
    cmocka_unit_test (test_unknown_top_level_key),
    cmocka_unit_test (test_unknown_service_key),
    cmocka_unit_test (test_extensions_ignored),
    cmocka_unit_test (test_yaml_syntax_error),
    cmocka_unit_test (test_yaml_limits),
    cmocka_unit_test (test_host_mounts_rejected),
    cmocka_unit_test (test_undeclared_volume),
    cmocka_unit_test (test_bad_names),
    cmocka_unit_test (test_depends_on),
    cmocka_unit_test (test_too_many_services),
    cmocka_unit_test (test_too_many_items),
    cmocka_unit_test (test_numeric_bounds),
    cmocka_unit_test (test_sizes_and_durations),
    cmocka_unit_test (test_booleans_as_strings),
    cmocka_unit_test (test_service_shape),
    cmocka_unit_test (test_free_tolerates_null),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
