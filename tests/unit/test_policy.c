/* Unit tests for src/policy: pol_check() over hand-built documents, the
 * key tables against the Compose Specification's schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the four headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/load.h"
#include "core/util.h"
#include "policy/keys.h"
#include "policy/policy.h"

#define SCHEMA "../shared/anchors/compose-spec.json"

/* --- stand-in for src/compose/load.c --------------------------------- */

/* Weak, so that the real one wins once load.c is linked in. */
__attribute__ ((weak)) struct cmp_pos
compose_doc_pos (const struct cmp_doc *doc, const char *pointer)
{
  char buf[1024];
  char *slash;

  snprintf (buf, sizeof buf, "%s", pointer);
  for (;;)
    {
      for (size_t i = 0; i < doc->n_pos; i++)
        if (strcmp (doc->pos[i].pointer, buf) == 0)
          return doc->pos[i].pos;
      if ((slash = strrchr (buf, '/')) == NULL)
        return (struct cmp_pos){ 0, 0 };
      *slash = '\0';
    }
}

/* --- helpers ---------------------------------------------------------- */

static char file_name[] = "compose.yml";

/* One service `web` with an allowed image, and a declared volume `data`. */
#define SVC(extra)                                                             \
  "{'services':{'web':{'image':'nginx:1.27'," extra "}},"                      \
  "'volumes':{'data':null}}"
#define SVC_PTR "/services/web/"
/* One service `web` with this image and nothing else. */
#define IMG(image) "{'services':{'web':{'image':" image "}}}"

static const struct plan *
team (void)
{
  const struct plan *p = NULL;
  struct cfp_err err = { 0 };

  assert_int_equal (plan_find ("team", &p, &err), 0);
  return p;
}

/* JSON with single quotes, which reads better inside C strings. */
static json_t *
load_json (const char *relaxed)
{
  cleanup_free char *text = xstrdup (relaxed);
  json_error_t jerr;
  json_t *root;

  for (char *p = text; *p; p++)
    if (*p == '\'')
      *p = '"';
  root = json_loads (text, JSON_REJECT_DUPLICATES, &jerr);
  if (root == NULL)
    print_error ("bad test JSON (%s): %s\n", jerr.text, relaxed);
  assert_non_null (root);
  return root;
}

/* Every hook is also a CFP-HC-60 finding (cfp runs no hooks); the cases
 * below judge what HC-02 says about them, so HC-60 is set aside there and
 * tested on its own in test_hooks_unsupported. */
static bool keep_hook_findings;

static void
drop_hook_findings (struct pol_result *r)
{
  size_t k = 0;

  for (size_t i = 0; i < r->n_findings; i++)
    {
      struct pol_finding *f = &r->findings[i];

      if (!keep_hook_findings && strcmp (f->rule->id, "CFP-HC-60") == 0)
        {
          free (f->pointer);
          free (f->service);
          free (f->message);
          continue;
        }
      r->findings[k++] = *f;
    }
  r->n_findings = k;
}

static void
check_with (const char *relaxed, const struct pol_config *cfg,
            struct pol_result *r)
{
  struct cmp_doc doc = { .file = file_name, .root = load_json (relaxed) };
  struct cfp_err err = { 0 };
  int rc = pol_check (&doc, cfg, r, &err);

  if (rc != 0)
    print_error ("pol_check: %s\n", err.msg);
  assert_int_equal (rc, 0);
  json_decref (doc.root);
  drop_hook_findings (r);
}

static void
check_doc (const char *relaxed, struct pol_result *r)
{
  struct pol_config cfg;

  pol_config_default (&cfg, team ());
  check_with (relaxed, &cfg, r);
}

static void
dump (const char *doc, const struct pol_result *r)
{
  print_error ("document: %s\n", doc);
  for (size_t i = 0; i < r->n_findings; i++)
    print_error ("  %s %s [%s] %s\n", r->findings[i].rule->id,
                 r->findings[i].pointer,
                 r->findings[i].service ? r->findings[i].service : "-",
                 r->findings[i].message);
}

/* Every message is one line with no control characters. */
static void
assert_messages_clean (const struct pol_result *r)
{
  for (size_t i = 0; i < r->n_findings; i++)
    for (const char *p = r->findings[i].message; *p; p++)
      assert_true ((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* Exactly one finding, of `rule`, at `pointer`. */
static void
expect_with (const char *doc, const struct pol_config *cfg, const char *rule,
             const char *pointer)
{
  struct pol_result r = { 0 };

  check_with (doc, cfg, &r);
  if (r.n_findings != 1 || strcmp (r.findings[0].rule->id, rule) != 0
      || strcmp (r.findings[0].pointer, pointer) != 0)
    {
      print_error ("wanted exactly %s at %s\n", rule, pointer);
      dump (doc, &r);
      fail ();
    }
  assert_messages_clean (&r);
  pol_result_free (&r);
}

static void
expect (const char *doc, const char *rule, const char *pointer)
{
  struct pol_config cfg;

  pol_config_default (&cfg, team ());
  expect_with (doc, &cfg, rule, pointer);
}

static void
expect_none_with (const char *doc, const struct pol_config *cfg)
{
  struct pol_result r = { 0 };

  check_with (doc, cfg, &r);
  if (r.n_findings != 0)
    {
      print_error ("wanted no finding\n");
      dump (doc, &r);
      fail ();
    }
  pol_result_free (&r);
}

static void
expect_none (const char *doc)
{
  struct pol_config cfg;

  pol_config_default (&cfg, team ());
  expect_none_with (doc, &cfg);
}

/* The findings' rules, sorted and joined: "CFP-HC-26 CFP-HC-43". */
static void
expect_rules (const char *doc, const char *want)
{
  struct pol_result r = { 0 };
  char got[512] = "";
  const char *ids[64];
  size_t n = 0;

  check_doc (doc, &r);
  for (size_t i = 0; i < r.n_findings && n < 64; i++)
    ids[n++] = r.findings[i].rule->id;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp (ids[j - 1], ids[j]) > 0; j--)
      {
        const char *t = ids[j];
        ids[j] = ids[j - 1];
        ids[j - 1] = t;
      }
  for (size_t i = 0; i < n; i++)
    snprintf (got + strlen (got), sizeof got - strlen (got), "%s%s",
              i ? " " : "", ids[i]);
  if (strcmp (got, want) != 0)
    {
      print_error ("wanted rules `%s`, got `%s`\n", want, got);
      dump (doc, &r);
      fail ();
    }
  pol_result_free (&r);
}

struct kase
{
  const char *doc;
  const char *rule;
  const char *pointer;
};

static void
expect_all (const struct kase *k, size_t n)
{
  for (size_t i = 0; i < n; i++)
    expect (k[i].doc, k[i].rule, k[i].pointer);
}

#define EXPECT_ALL(cases) expect_all (cases, sizeof cases / sizeof cases[0])

/* --- benign stacks ---------------------------------------------------- */

/* LiteLLM in front of OpenWebUI, the way a tenant would write it. */
static const char litellm_openwebui[]
    = "{'name':'chat','services':{"
      "'litellm':{'image':'ghcr.io/berriai/litellm:main-v1.55.0',"
      "'command':['--config','/app/config.yaml','--port','4000'],"
      "'environment':{'LITELLM_MASTER_KEY':'sk-1234',"
      "'OPENAI_API_KEY':'${OPENAI_API_KEY}'},"
      "'expose':['4000'],"
      "'volumes':['litellm-config:/app:ro'],"
      "'healthcheck':{'test':['CMD','curl','-f','http://localhost:4000/"
      "health/liveliness'],'interval':'30s','timeout':'5s','retries':3},"
      "'deploy':{'resources':{'limits':{'cpus':'0.5','memory':'512m',"
      "'pids':200},'reservations':{'memory':'256m'}}},"
      "'restart':'unless-stopped'},"
      "'openwebui':{'image':'ghcr.io/open-webui/open-webui:v0.4.8',"
      "'environment':['OPENAI_API_BASE_URL=http://litellm:4000/v1',"
      "'WEBUI_SECRET_KEY=hunter2'],"
      "'expose':[8080],"
      "'depends_on':{'litellm':{'condition':'service_healthy'}},"
      "'volumes':[{'type':'volume','source':'webui-data',"
      "'target':'/app/backend/data'},"
      "{'type':'tmpfs','target':'/tmp','tmpfs':{'size':'64m'}}],"
      "'read_only':true,'cap_drop':['ALL'],"
      "'security_opt':['no-new-privileges:true'],"
      "'user':'1000:1000',"
      "'labels':{'org.opencontainers.image.title':'webui'},"
      "'deploy':{'resources':{'limits':{'cpus':0.5,'memory':'0.5g'}}},"
      "'logging':{'driver':'json-file','options':{'max-size':'10m',"
      "'max-file':'3'}}}},"
      "'volumes':{'litellm-config':{},'webui-data':{'labels':"
      "{'backup':'daily'}}}}";

/* A chat bot on Postgres, with the ints, strings and list forms mixed. */
static const char postgres_bot[]
    = "{'services':{"
      "'db':{'image':'postgres:16-alpine',"
      "'environment':{'POSTGRES_PASSWORD':'s3cret','POSTGRES_DB':'bot'},"
      "'volumes':['pgdata:/var/lib/postgresql/data'],"
      "'expose':['5432'],'shm_size':'64m',"
      "'healthcheck':{'test':['CMD-SHELL','pg_isready -U postgres'],"
      "'interval':'10s','retries':5},"
      "'mem_limit':'512m','cpus':0.5,'pids_limit':256,"
      "'memswap_limit':'512m','mem_reservation':'128m',"
      "'ulimits':{'nofile':{'soft':4096,'hard':8192},'nproc':256},"
      "'stop_grace_period':'30s','init':true},"
      "'bot':{'image':'ghcr.io/acme/chatbot@sha256:"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',"
      "'environment':['DATABASE_URL=postgres://postgres:s3cret@db/bot',"
      "'TOKEN'],"
      "'depends_on':['db'],'expose':[3000],"
      "'tmpfs':['/tmp:size=32m,noexec,nosuid,nodev','/run'],"
      "'read_only':'true','user':10001,'group_add':[10001,'10002'],"
      "'security_opt':['no-new-privileges'],"
      "'sysctls':{'net.ipv4.tcp_keepalive_time':600},"
      "'extra_hosts':['api.internal=10.1.2.3'],"
      "'cap_drop':['ALL'],'ipc':'private','cgroup':'private',"
      "'mem_limit':'256m','cpus':'0.25','pids_limit':'128',"
      "'oom_score_adj':100,'scale':1,'pull_policy':'always',"
      "'runtime':'runc','logging':{'driver':'local'}}},"
      "'volumes':{'pgdata':null}}";

/* n8n with a queue worker, Compose-style, with x- anchors' leftovers. */
static const char n8n_worker[]
    = "{'x-n8n':{'image':'docker.n8n.io/n8nio/n8n'},"
      "'services':{"
      "'redis':{'image':'redis:7-alpine','command':'redis-server "
      "--save 60 1','volumes':['redis:/data'],"
      "'healthcheck':{'test':'redis-cli ping','interval':'10s'},"
      "'deploy':{'resources':{'limits':{'memory':'128m','cpus':'0.1'}}}},"
      "'n8n':{'image':'n8nio/n8n:1.70.3','x-role':'main',"
      "'environment':{'EXECUTIONS_MODE':'queue','QUEUE_BULL_REDIS_HOST':"
      "'redis','N8N_ENCRYPTION_KEY':'abc'},"
      "'expose':['5678'],'volumes':[{'type':'volume','source':'n8n',"
      "'target':'/home/node/.n8n','volume':{'nocopy':true}}],"
      "'depends_on':{'redis':{'condition':'service_healthy',"
      "'restart':true}},"
      "'deploy':{'replicas':1,'mode':'replicated','resources':{'limits':"
      "{'memory':'256m','cpus':'0.3','pids':128}}},"
      "'restart':'on-failure:3'},"
      "'worker':{'image':'n8nio/n8n:1.70.3','command':'worker',"
      "'environment':{'EXECUTIONS_MODE':'queue'},"
      "'volumes':['n8n:/home/node/.n8n'],"
      "'depends_on':['n8n','redis'],"
      "'deploy':{'resources':{'limits':{'memory':'256m','cpus':'0.3'}}},"
      "'stop_signal':'SIGTERM','hostname':'worker','tty':false}},"
      "'volumes':{'n8n':{},'redis':{}}}";

static void
test_benign_stacks (void **state)
{
  (void)state;
  expect_none (litellm_openwebui);
  expect_none (postgres_bot);
  expect_none (n8n_worker);
  expect_none (SVC ("'user':'1000'"));
}

/* Secrets tenants put in environment and label values never reach a
 * message, even when something else in the service is refused. */
/* A file that passes the check also deploys: what the typed parser needs
 * of a service is said by the policy first. */
static void
test_deployable (void **state)
{
  struct pol_config cfg;

  (void)state;
  pol_config_default (&cfg, team ());
  expect_with ("{'services':{'web':{'command':'x'}}}", &cfg, "CFP-HC-53",
               "/services/web");
  expect_with (SVC ("'working_dir':'app'"), &cfg, "CFP-HC-53",
               SVC_PTR "working_dir");
  expect_with (SVC ("'tmpfs':['tmp']"), &cfg, "CFP-HC-53", SVC_PTR "tmpfs/0");
  expect_with (SVC ("'expose':['http']"), &cfg, "CFP-HC-53",
               SVC_PTR "expose/0");
  expect_with (SVC ("'expose':['53/udp']"), &cfg, "CFP-HC-53",
               SVC_PTR "expose/0");
  expect_none (SVC ("'expose':[8080,'9090','9100/tcp']"));
}

static void
test_hooks_unsupported (void **state)
{
  struct pol_config cfg;

  (void)state;
  pol_config_default (&cfg, team ());
  keep_hook_findings = true;
  expect_with (SVC ("'post_start':[{'command':'id'}]"), &cfg, "CFP-HC-60",
               SVC_PTR "post_start/0");
  keep_hook_findings = false;
}

static void
test_messages_quote_no_secrets (void **state)
{
  struct pol_result r = { 0 };
  const char *doc = SVC (
      "'environment':{'API_KEY':'topsecret1'},"
      "'labels':{'traefik.http.middlewares.a.basicauth.users':'topsecret2'},"
      "'post_start':[{'command':'true','user':'root','environment':"
      "{'K':'topsecret3'}}],'privileged':true");

  (void)state;
  check_doc (doc, &r);
  assert_int_equal (r.n_findings, 3);
  for (size_t i = 0; i < r.n_findings; i++)
    {
      assert_null (strstr (r.findings[i].message, "topsecret"));
      assert_string_equal (r.findings[i].service, "web");
    }
  pol_result_free (&r);
}

/* Long and multi-line values are shortened and flattened. */
static void
test_messages_one_line (void **state)
{
  struct pol_result r = { 0 };
  char doc[2048];
  char big[301];

  (void)state;
  memset (big, 'a', 300);
  big[300] = '\0';
  snprintf (doc, sizeof doc, SVC ("'runtime':'%s\\nevil`x','dns':'%s'"), big,
            big);
  check_doc (doc, &r);
  assert_int_equal (r.n_findings, 2);
  assert_messages_clean (&r);
  for (size_t i = 0; i < r.n_findings; i++)
    {
      assert_true (strlen (r.findings[i].message) < 200);
      assert_non_null (strstr (r.findings[i].message, "..."));
    }
  pol_result_free (&r);
}

/* --- privilege (CFP-HC-01 to 13) -------------------------------------- */

static void
test_privileged_and_hooks (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'privileged':true"), "CFP-HC-01", SVC_PTR "privileged" },
    { SVC ("'privileged':'yes'"), "CFP-HC-01", SVC_PTR "privileged" },
    { SVC ("'privileged':'ON'"), "CFP-HC-01", SVC_PTR "privileged" },
    { SVC ("'privileged':{'a':1}"), "CFP-HC-01", SVC_PTR "privileged" },
    { SVC ("'post_start':[{'command':'id','privileged':true}]"), "CFP-HC-02",
      SVC_PTR "post_start/0/privileged" },
    { SVC ("'pre_stop':[{'command':'id'},{'command':'id','user':'root'}]"),
      "CFP-HC-02", SVC_PTR "pre_stop/1/user" },
    { SVC ("'pre_stop':[{'command':'id','user':0}]"), "CFP-HC-02",
      SVC_PTR "pre_stop/0/user" },
    { SVC ("'post_start':[{'command':'id','user':'0:0'}]"), "CFP-HC-02",
      SVC_PTR "post_start/0/user" },
    { SVC ("'post_start':[{'command':'id','user':'admin'}]"), "CFP-HC-02",
      SVC_PTR "post_start/0/user" },
    { SVC ("'post_start':[{'command':'id','privileged':'maybe'}]"), "CFP-HC-02",
      SVC_PTR "post_start/0/privileged" },
    { SVC ("'post_start':['id']"), "CFP-HC-02", SVC_PTR "post_start/0" },
    { SVC ("'pre_stop':{'command':'id'}"), "CFP-HC-02", SVC_PTR "pre_stop" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'privileged':false"));
  expect_none (SVC ("'privileged':'no'"));
  expect_none (SVC ("'post_start':[{'command':'id','user':'1000:1000',"
                    "'privileged':false,'environment':{'A':'b'}}]"));
}

static void
test_capabilities (void **state)
{
  static const char *const allow[] = { "net_bind_service", NULL };
  static const struct kase cases[] = {
    { SVC ("'cap_add':['NET_ADMIN']"), "CFP-HC-04", SVC_PTR "cap_add/0" },

    { SVC ("'cap_add':'SYS_ADMIN'"), "CFP-HC-04", SVC_PTR "cap_add" },
    { SVC ("'cap_add':[{'name':'x'}]"), "CFP-HC-04", SVC_PTR "cap_add/0" },
  };
  struct pol_config cfg;
  struct pol_result r = { 0 };

  (void)state;
  EXPECT_ALL (cases);
  check_doc (SVC ("'cap_add':['CHOWN','cap_sys_admin']"), &r);
  assert_int_equal (r.n_findings, 2);
  assert_string_equal (r.findings[1].pointer, SVC_PTR "cap_add/1");
  pol_result_free (&r);

  pol_config_default (&cfg, team ());
  cfg.cap_allow = allow;
  expect_none_with (SVC ("'cap_add':['NET_BIND_SERVICE','CAP_Net_Bind_"
                         "Service']"),
                    &cfg);
  expect_with (SVC ("'cap_add':['NET_BIND_SERVICE','NET_RAW']"), &cfg,
               "CFP-HC-04", SVC_PTR "cap_add/1");
  expect_none (SVC ("'cap_drop':['ALL'],'cap_add':[]"));
}

static void
test_security_opt (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'security_opt':['no-new-privileges:false']"), "CFP-HC-05",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['no-new-privileges=false']"), "CFP-HC-05",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['no-new-privileges=0']"), "CFP-HC-05",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['seccomp=unconfined']"), "CFP-HC-06",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['seccomp:unconfined']"), "CFP-HC-06",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['seccomp=/etc/cfp/profile.json']"), "CFP-HC-06",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['apparmor=unconfined']"), "CFP-HC-07",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['apparmor:my-profile']"), "CFP-HC-07",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['label=disable']"), "CFP-HC-08",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['label:disable']"), "CFP-HC-08",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['disable']"), "CFP-HC-08",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['label=type:spc_t']"), "CFP-HC-08",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['systempaths=unconfined']"), "CFP-HC-09",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['writable-cgroups']"), "CFP-HC-10",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['writable-cgroups=true']"), "CFP-HC-10",
      SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':['no-new-privileges','mask=/proc/x']"), "CFP-HC-11",
      SVC_PTR "security_opt/1" },
    { SVC ("'security_opt':[42]"), "CFP-HC-11", SVC_PTR "security_opt/0" },
    { SVC ("'security_opt':'seccomp=unconfined'"), "CFP-HC-11",
      SVC_PTR "security_opt" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'security_opt':['no-new-privileges']"));
  expect_none (SVC ("'security_opt':['no-new-privileges:true']"));
  expect_none (SVC ("'security_opt':['no-new-privileges=true']"));
}

static void
test_users_and_groups (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'user':0"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'0'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'root'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'0:1000'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'1000:0'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'1000:root'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':':0'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'node'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'1000:staff'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'000'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':-1"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':'99999999999'"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'user':['1000']"), "CFP-HC-12", SVC_PTR "user" },
    { SVC ("'group_add':[0]"), "CFP-HC-13", SVC_PTR "group_add/0" },
    { SVC ("'group_add':['0']"), "CFP-HC-13", SVC_PTR "group_add/0" },
    { SVC ("'group_add':[1000,'root']"), "CFP-HC-13", SVC_PTR "group_add/1" },
    { SVC ("'group_add':['docker']"), "CFP-HC-13", SVC_PTR "group_add/0" },
    { SVC ("'group_add':[true]"), "CFP-HC-13", SVC_PTR "group_add/0" },
    { SVC ("'group_add':'0'"), "CFP-HC-13", SVC_PTR "group_add" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'user':'1000:1000','group_add':[1001,'1002']"));
  expect_none (SVC ("'user':1000"));
}

/* --- filesystem and mounts (CFP-HC-14, 15, 23 to 28) ------------------ */

static void
test_read_only_and_tmpfs (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'read_only':false"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'read_only':'false'"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'read_only':'no'"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'read_only':'Off'"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'read_only':'sometimes'"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'read_only':0"), "CFP-HC-14", SVC_PTR "read_only" },
    { SVC ("'tmpfs':'/tmp:exec'"), "CFP-HC-15", SVC_PTR "tmpfs" },
    { SVC ("'tmpfs':['/tmp','/run:size=10m,suid']"), "CFP-HC-15",
      SVC_PTR "tmpfs/1" },
    { SVC ("'tmpfs':['/dev/x:nosuid,dev']"), "CFP-HC-15", SVC_PTR "tmpfs/0" },
    { SVC ("'tmpfs':['/tmp:size=50%']"), "CFP-HC-15", SVC_PTR "tmpfs/0" },
    { SVC ("'tmpfs':[{'path':'/tmp'}]"), "CFP-HC-15", SVC_PTR "tmpfs/0" },
    { SVC ("'tmpfs':7"), "CFP-HC-15", SVC_PTR "tmpfs" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'read_only':true,'tmpfs':'/tmp:size=64m,mode=1777,"
                    "noexec,nosuid,nodev'"));
  expect_none (SVC ("'read_only':'yes','tmpfs':['/tmp','/run:size=1m']"));
}

static void
test_mounts (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'volumes':['/etc:/host-etc']"), "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':['data:/d','./src:/app:ro']"), "CFP-HC-23",
      SVC_PTR "volumes/1" },
    { SVC ("'volumes':['~/.ssh:/root/.ssh']"), "CFP-HC-23",
      SVC_PTR "volumes/0" },
    { SVC ("'volumes':['..:/up']"), "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':['C:\\\\Users:/x']"), "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':['undeclared:/d']"), "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'bind','source':'/','target':'/host'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'npipe','source':'x','target':'/x'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'cluster','source':'x','target':'/x'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'source':'data','target':'/x'}]"), "CFP-HC-23",
      SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'volume','source':'other','target':'/x'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0/source" },
    { SVC ("'volumes':[{'type':'volume','source':'/srv','target':'/x'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0/source" },
    { SVC ("'volumes':[{'type':'volume','source':['data'],'target':'/x'}]"),
      "CFP-HC-23", SVC_PTR "volumes/0/source" },
    { SVC ("'volumes':[17]"), "CFP-HC-23", SVC_PTR "volumes/0" },
    { SVC ("'volumes':'data:/d'"), "CFP-HC-23", SVC_PTR "volumes" },
    { SVC ("'volumes':['/var/run/docker.sock:/var/run/docker.sock']"),
      "CFP-HC-24", SVC_PTR "volumes/0" },
    { SVC ("'volumes':['/run/docker.sock:/s:ro']"), "CFP-HC-24",
      SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'bind','source':'/var/run/docker.sock',"
           "'target':'/var/run/docker.sock'}]"),
      "CFP-HC-24", SVC_PTR "volumes/0" },
    { SVC ("'use_api_socket':true"), "CFP-HC-24", SVC_PTR "use_api_socket" },
    { SVC ("'use_api_socket':'yes'"), "CFP-HC-24", SVC_PTR "use_api_socket" },
    { SVC ("'volumes':['data:/d:rshared']"), "CFP-HC-27", SVC_PTR "volumes/0" },
    { SVC ("'volumes':[{'type':'volume','source':'data','target':'/d',"
           "'bind':{'propagation':'shared'}}]"),
      "CFP-HC-27", SVC_PTR "volumes/0/bind/propagation" },
    { SVC ("'links':['db:database']"), "CFP-HC-28", SVC_PTR "links" },
    { SVC ("'external_links':['other_db_1']"), "CFP-HC-28",
      SVC_PTR "external_links" },
    { SVC ("'volumes_from':['container:victim']"), "CFP-HC-28",
      SVC_PTR "volumes_from" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_rules (SVC ("'volumes':['/srv:/x:rshared']"), "CFP-HC-23 CFP-HC-27");
  expect_none (SVC ("'volumes':['data:/d','data:/e:ro,nocopy','/anon']"));
  expect_none (SVC ("'volumes':[{'type':'volume','source':'data','target':"
                    "'/d','read_only':true,'volume':{'subpath':'x'}},"
                    "{'type':'volume','target':'/anon'},"
                    "{'type':'image','source':'ghcr.io/acme/models:1',"
                    "'target':'/models'}],'use_api_socket':false"));
}

static void
test_top_level_volumes (void **state)
{
  static const struct kase cases[] = {
    { "{'volumes':{'v':{'driver':'local'}}}", "CFP-HC-25",
      "/volumes/v/driver" },
    { "{'volumes':{'v':{'driver_opts':{'type':'none','o':'bind','device':"
      "'/etc'}}}}",
      "CFP-HC-25", "/volumes/v/driver_opts" },
    { "{'volumes':{'v':{'external':true}}}", "CFP-HC-26",
      "/volumes/v/external" },
    { "{'volumes':{'v':{'external':'yes'}}}", "CFP-HC-26",
      "/volumes/v/external" },
    { "{'volumes':{'v':{'external':{'name':'other_data'}}}}", "CFP-HC-26",
      "/volumes/v/external" },
    { "{'volumes':{'v':{'name':'othertenant_data'}}}", "CFP-HC-26",
      "/volumes/v/name" },
    { "{'volumes':{'v':'local'}}", "CFP-HC-53", "/volumes/v" },
    { "{'volumes':['v']}", "CFP-HC-53", "/volumes" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none ("{'volumes':{'v':{'external':false,'labels':['a=b']},"
               "'w':null,'x':{}}}");
}

/* --- namespaces, devices, kernel (CFP-HC-16 to 22, 29, 30, 37) -------- */

static void
test_namespaces (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'network_mode':'host'"), "CFP-HC-16", SVC_PTR "network_mode" },
    { SVC ("'network_mode':'none'"), "CFP-HC-16", SVC_PTR "network_mode" },
    { SVC ("'network_mode':'container:x'"), "CFP-HC-16",
      SVC_PTR "network_mode" },
    { SVC ("'network_mode':'service:db'"), "CFP-HC-16",
      SVC_PTR "network_mode" },
    { SVC ("'pid':'host'"), "CFP-HC-17", SVC_PTR "pid" },
    { SVC ("'pid':'service:db'"), "CFP-HC-17", SVC_PTR "pid" },
    { SVC ("'ipc':'host'"), "CFP-HC-18", SVC_PTR "ipc" },
    { SVC ("'ipc':'shareable'"), "CFP-HC-18", SVC_PTR "ipc" },
    { SVC ("'ipc':'container:victim'"), "CFP-HC-18", SVC_PTR "ipc" },
    { SVC ("'ipc':{'mode':'host'}"), "CFP-HC-18", SVC_PTR "ipc" },
    { SVC ("'uts':'host'"), "CFP-HC-19", SVC_PTR "uts" },
    { SVC ("'userns_mode':'host'"), "CFP-HC-20", SVC_PTR "userns_mode" },
    { SVC ("'cgroup':'host'"), "CFP-HC-21", SVC_PTR "cgroup" },
    { SVC ("'cgroup':'HOST'"), "CFP-HC-21", SVC_PTR "cgroup" },
    { SVC ("'cgroup_parent':'/system.slice'"), "CFP-HC-22",
      SVC_PTR "cgroup_parent" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'ipc':'private','cgroup':'private'"));
  expect_none (SVC ("'ipc':'none','network_mode':null"));
}

static void
test_devices_and_kernel (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'devices':['/dev/kvm:/dev/kvm']"), "CFP-HC-29", SVC_PTR "devices" },
    { SVC ("'devices':[{'source':'/dev/fuse','target':'/dev/fuse'}]"),
      "CFP-HC-29", SVC_PTR "devices" },
    { SVC ("'device_cgroup_rules':['c 1:3 mr']"), "CFP-HC-29",
      SVC_PTR "device_cgroup_rules" },
    { SVC ("'gpus':'all'"), "CFP-HC-29", SVC_PTR "gpus" },
    { SVC ("'deploy':{'resources':{'reservations':{'devices':[{"
           "'capabilities':['gpu']}]}}}"),
      "CFP-HC-29", SVC_PTR "deploy/resources/reservations/devices" },
    { SVC ("'sysctls':{'net.core.somaxconn':1024}"), "CFP-HC-30",
      SVC_PTR "sysctls/net.core.somaxconn" },
    { SVC ("'sysctls':['net.ipv4.tcp_syncookies=1','kernel.msgmax=65536']"),
      "CFP-HC-30", SVC_PTR "sysctls/1" },
    { SVC ("'sysctls':['net.ipv4.ip_forward']"), "CFP-HC-30",
      SVC_PTR "sysctls/0" },
    { SVC ("'sysctls':[{'a':'b'}]"), "CFP-HC-30", SVC_PTR "sysctls/0" },
    { SVC ("'sysctls':'kernel.x=1'"), "CFP-HC-30", SVC_PTR "sysctls" },
    { SVC ("'cpu_rt_runtime':'400ms'"), "CFP-HC-37", SVC_PTR "cpu_rt_runtime" },
    { SVC ("'cpu_rt_period':'1400us'"), "CFP-HC-37", SVC_PTR "cpu_rt_period" },
    { SVC ("'cpuset':'0-3'"), "CFP-HC-37", SVC_PTR "cpuset" },
    { SVC ("'cpu_period':100000"), "CFP-HC-37", SVC_PTR "cpu_period" },
    { SVC ("'cpu_quota':50000"), "CFP-HC-37", SVC_PTR "cpu_quota" },
    { SVC ("'cpu_count':2"), "CFP-HC-37", SVC_PTR "cpu_count" },
    { SVC ("'cpu_percent':50"), "CFP-HC-37", SVC_PTR "cpu_percent" },
    { SVC ("'oom_kill_disable':true"), "CFP-HC-38",
      SVC_PTR "oom_kill_disable" },
    { SVC ("'oom_kill_disable':'y'"), "CFP-HC-38", SVC_PTR "oom_kill_disable" },
    { SVC ("'oom_score_adj':-500"), "CFP-HC-38", SVC_PTR "oom_score_adj" },
    { SVC ("'oom_score_adj':'-1000'"), "CFP-HC-38", SVC_PTR "oom_score_adj" },
    { SVC ("'oom_score_adj':'low'"), "CFP-HC-38", SVC_PTR "oom_score_adj" },
    { SVC ("'shm_size':'1g'"), "CFP-HC-40", SVC_PTR "shm_size" },
    { SVC ("'shm_size':268435456"), "CFP-HC-40", SVC_PTR "shm_size" },
    { SVC ("'shm_size':'big'"), "CFP-HC-40", SVC_PTR "shm_size" },
    { SVC ("'storage_opt':{'size':'1G'}"), "CFP-HC-40", SVC_PTR "storage_opt" },
    { SVC ("'blkio_config':{'weight':300,'device_read_bps':[{'path':"
           "'/dev/sda','rate':'12mb'}]}"),
      "CFP-HC-57", SVC_PTR "blkio_config/device_read_bps" },
    { SVC ("'blkio_config':{'weight_device':[{'path':'/dev/sda','weight':"
           "400}]}"),
      "CFP-HC-57", SVC_PTR "blkio_config/weight_device" },
    { SVC ("'blkio_config':{'device_write_iops':[]}"), "CFP-HC-57",
      SVC_PTR "blkio_config/device_write_iops" },
    { SVC ("'blkio_config':'heavy'"), "CFP-HC-57", SVC_PTR "blkio_config" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'sysctls':{'net.ipv4.ip_unprivileged_port_start':80,"
                    "'kernel.shm_rmid_forced':1},'oom_kill_disable':false,"
                    "'oom_score_adj':0,'shm_size':'64m',"
                    "'blkio_config':{'weight':300}"));
}

/* --- resources against the plan (CFP-HC-31 to 36, 39) ----------------- */

static void
test_resources (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'mem_limit':'2g'"), "CFP-HC-31", SVC_PTR "mem_limit" },
    { SVC ("'mem_limit':2147483648"), "CFP-HC-31", SVC_PTR "mem_limit" },
    { SVC ("'mem_limit':'1.5GiB'"), "CFP-HC-31", SVC_PTR "mem_limit" },
    { SVC ("'mem_limit':0"), "CFP-HC-31", SVC_PTR "mem_limit" },
    { SVC ("'mem_limit':'lots'"), "CFP-HC-31", SVC_PTR "mem_limit" },
    { SVC ("'mem_limit':'99999999999999999999g'"), "CFP-HC-31",
      SVC_PTR "mem_limit" },
    { SVC ("'deploy':{'resources':{'limits':{'memory':'1025m'}}}"), "CFP-HC-31",
      SVC_PTR "deploy/resources/limits/memory" },
    { SVC ("'cpus':2"), "CFP-HC-34", SVC_PTR "cpus" },
    { SVC ("'cpus':'1.5'"), "CFP-HC-34", SVC_PTR "cpus" },
    { SVC ("'cpus':1.000001"), "CFP-HC-34", SVC_PTR "cpus" },
    { SVC ("'cpus':0"), "CFP-HC-34", SVC_PTR "cpus" },
    { SVC ("'cpus':'all'"), "CFP-HC-34", SVC_PTR "cpus" },
    { SVC ("'deploy':{'resources':{'limits':{'cpus':'4'}}}"), "CFP-HC-34",
      SVC_PTR "deploy/resources/limits/cpus" },
    { SVC ("'cpu_shares':4096"), "CFP-HC-34", SVC_PTR "cpu_shares" },
    { SVC ("'pids_limit':-1"), "CFP-HC-36", SVC_PTR "pids_limit" },
    { SVC ("'pids_limit':0"), "CFP-HC-36", SVC_PTR "pids_limit" },
    { SVC ("'pids_limit':1000"), "CFP-HC-36", SVC_PTR "pids_limit" },
    { SVC ("'deploy':{'resources':{'limits':{'pids':'600'}}}"), "CFP-HC-36",
      SVC_PTR "deploy/resources/limits/pids" },
    { SVC ("'ulimits':{'nofile':-1}"), "CFP-HC-39", SVC_PTR "ulimits/nofile" },
    { SVC ("'ulimits':{'rtprio':10}"), "CFP-HC-39", SVC_PTR "ulimits/rtprio" },
    { SVC ("'ulimits':{'nofile':'many'}"), "CFP-HC-39",
      SVC_PTR "ulimits/nofile" },
    { SVC ("'ulimits':['nofile=1']"), "CFP-HC-39", SVC_PTR "ulimits" },
    { SVC ("'ulimits':{'bogus':1}"), "CFP-HC-53", SVC_PTR "ulimits/bogus" },
    { SVC ("'memswap_limit':'lots'"), "CFP-HC-32", SVC_PTR "memswap_limit" },
  };

  (void)state;
  EXPECT_ALL (cases);
  /* Above-cap swap, reservations and ulimits are rewritten, not refused. */
  expect_none (SVC ("'memswap_limit':-1,'mem_reservation':'2g',"
                    "'ulimits':{'nofile':65535,'nproc':'1000'},"
                    "'tmpfs':['/tmp:size=1g','/run:size=0']"));
  expect_none (SVC ("'mem_limit':'1g','memswap_limit':'1g','cpus':1,"
                    "'pids_limit':512,'mem_reservation':'1g',"
                    "'cpu_shares':512,'ulimits':{'nofile':8192,'nproc':512,"
                    "'core':0,'memlock':-1}"));
  expect_none (SVC ("'mem_limit':1073741824,'cpus':'1.0'"));
}

/* The plan bounds the stack: the service whose limit takes the sum past
 * it is reported, once. */
static void
test_stack_sums (void **state)
{
  static const struct kase cases[] = {
    { "{'services':{'a':{'image':'x','mem_limit':'600m'},"
      "'b':{'image':'x','deploy':{'resources':{'limits':{'memory':"
      "'600m'}}}},'c':{'image':'x','mem_limit':'600m'}}}",
      "CFP-HC-31", "/services/b/deploy/resources/limits/memory" },
    { "{'services':{'a':{'image':'x','cpus':0.6},'b':{'image':'x','cpus':"
      "'0.5'}}}",
      "CFP-HC-34", "/services/b/cpus" },
    { "{'services':{'a':{'image':'x','pids_limit':300},'b':{'image':'x',"
      "'pids_limit':300}}}",
      "CFP-HC-36", "/services/b/pids_limit" },
    /* The larger of a service's two spellings counts. */
    { "{'services':{'a':{'image':'x','mem_limit':'100m','deploy':{"
      "'resources':{'limits':{'memory':'900m'}}}},'b':{'image':'x',"
      "'mem_limit':'200m'}}}",
      "CFP-HC-31", "/services/b/mem_limit" },
  };
  struct pol_result r = { 0 };

  (void)state;
  EXPECT_ALL (cases);
  check_doc ("{'services':{'a':{'image':'x','mem_limit':'600m'},"
             "'b':{'image':'x','mem_limit':'600m'}}}",
             &r);
  assert_int_equal (r.n_findings, 1);
  assert_string_equal (r.findings[0].service, "b");
  assert_non_null (strstr (r.findings[0].message, "1200m"));
  pol_result_free (&r);
  expect_none ("{'services':{'a':{'image':'x','cpus':0.5},'b':{'image':'x',"
               "'cpus':'0.5'}}}");
}

/* --- network (CFP-HC-43 to 47) ---------------------------------------- */

static void
test_network (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'networks':['default']"), "CFP-HC-43", SVC_PTR "networks" },
    { SVC ("'networks':{'front':null}"), "CFP-HC-43", SVC_PTR "networks" },
    { "{'networks':{'front':{'driver':'bridge'}}}", "CFP-HC-43",
      "/networks/front" },
    { "{'networks':{'front':null}}", "CFP-HC-43", "/networks/front" },
    { "{'networks':'front'}", "CFP-HC-43", "/networks" },
    { SVC ("'mac_address':'02:42:ac:11:00:02'"), "CFP-HC-44",
      SVC_PTR "mac_address" },
    { SVC ("'ports':['8080:80']"), "CFP-HC-45", SVC_PTR "ports/0" },
    { SVC ("'ports':[80]"), "CFP-HC-45", SVC_PTR "ports/0" },
    { SVC ("'ports':['127.0.0.1:8080:80/tcp']"), "CFP-HC-45",
      SVC_PTR "ports/0" },
    { SVC ("'ports':[{'target':80,'published':'8080','host_ip':"
           "'127.0.0.1'}]"),
      "CFP-HC-45", SVC_PTR "ports/0" },
    { SVC ("'ports':'80:80'"), "CFP-HC-45", SVC_PTR "ports" },
    { SVC ("'extra_hosts':['host.docker.internal:host-gateway']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['gw=HOST-GATEWAY']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['meta=169.254.169.254']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['ok=10.0.0.1','lo:127.0.0.53']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/1" },
    { SVC ("'extra_hosts':['v6=::1']"), "CFP-HC-46", SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['v6:[::1]']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['any=0.0.0.0']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['any=::']"), "CFP-HC-46", SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['ll=fe80::1']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['ll=febf::1']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['aws=fd00:ec2::254']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['m=::ffff:169.254.169.254']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['m=::ffff:127.0.0.1']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['name=metadata.google.internal']"), "CFP-HC-46",
      SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':['nohost']"), "CFP-HC-46", SVC_PTR "extra_hosts/0" },
    { SVC ("'extra_hosts':{'meta':'169.254.170.2'}"), "CFP-HC-46",
      SVC_PTR "extra_hosts/meta" },
    { SVC ("'extra_hosts':{'h':['10.0.0.1','127.0.0.1']}"), "CFP-HC-46",
      SVC_PTR "extra_hosts/h/1" },
    { SVC ("'extra_hosts':{'h':{'ip':'10.0.0.1'}}"), "CFP-HC-46",
      SVC_PTR "extra_hosts/h" },
    { SVC ("'extra_hosts':'h=10.0.0.1'"), "CFP-HC-46", SVC_PTR "extra_hosts" },
    { SVC ("'dns':'8.8.8.8'"), "CFP-HC-47", SVC_PTR "dns" },
    { SVC ("'dns':['1.1.1.1']"), "CFP-HC-47", SVC_PTR "dns" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_rules (SVC ("'networks':{'default':{'ipv4_address':'172.16.0.9',"
                     "'ipv6_address':'fd00::9','link_local_ips':"
                     "['169.254.1.1'],'mac_address':'02:42:ac:11:00:02'}}"),
                "CFP-HC-43 CFP-HC-44 CFP-HC-44 CFP-HC-44 CFP-HC-44");
  expect_rules ("{'networks':{'n':{'external':true,'name':'other',"
                "'labels':{'com.docker.compose.network':'x'}}}}",
                "CFP-HC-26 CFP-HC-26 CFP-HC-43 CFP-HC-52");
  expect_none (SVC ("'expose':['80','443/tcp'],'dns_search':['x.internal'],"
                    "'dns_opt':['ndots:1'],'extra_hosts':{'db':"
                    "'10.0.0.5','v6':'2001:db8::1'},'ports':[]"));
}

/* --- runtime, host files, names (CFP-HC-48 to 54) --------------------- */

static void
test_runtime_and_windows (void **state)
{
  static const char *const runtimes[] = { "runsc", NULL };
  static const struct kase cases[] = {
    { SVC ("'runtime':'runsc'"), "CFP-HC-48", SVC_PTR "runtime" },
    { SVC ("'runtime':'nvidia'"), "CFP-HC-48", SVC_PTR "runtime" },
    { SVC ("'runtime':['runc']"), "CFP-HC-48", SVC_PTR "runtime" },
    { SVC ("'isolation':'hyperv'"), "CFP-HC-49", SVC_PTR "isolation" },
    { SVC ("'credential_spec':{'file':'spec.json'}"), "CFP-HC-49",
      SVC_PTR "credential_spec" },
  };
  struct pol_config cfg;

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'runtime':'runc'"));
  pol_config_default (&cfg, team ());
  cfg.runtime_allow = runtimes;
  expect_none_with (SVC ("'runtime':'runsc'"), &cfg);
  expect_with (SVC ("'runtime':'kata'"), &cfg, "CFP-HC-48", SVC_PTR "runtime");
}

static void
test_host_files (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'build':'.'"), "CFP-HC-50", SVC_PTR "build" },
    { SVC ("'build':{'context':'.','dockerfile':'Dockerfile'}"), "CFP-HC-50",
      SVC_PTR "build" },
    { SVC ("'provider':{'type':'model','options':{'model':'x'}}"), "CFP-HC-50",
      SVC_PTR "provider" },
    { SVC ("'develop':{'watch':[{'path':'.','action':'sync'}]}"), "CFP-HC-50",
      SVC_PTR "develop" },
    { SVC ("'env_file':'.env'"), "CFP-HC-50", SVC_PTR "env_file" },
    { SVC ("'env_file':[{'path':'/etc/shadow','required':false}]"), "CFP-HC-50",
      SVC_PTR "env_file" },
    { SVC ("'label_file':'labels'"), "CFP-HC-50", SVC_PTR "label_file" },
    { SVC ("'extends':{'service':'base','file':'../other.yml'}"), "CFP-HC-50",
      SVC_PTR "extends" },
    { SVC ("'extends':'base'"), "CFP-HC-50", SVC_PTR "extends" },
    { SVC ("'secrets':['db_password']"), "CFP-HC-50", SVC_PTR "secrets" },
    { SVC ("'configs':[{'source':'c','target':'/c'}]"), "CFP-HC-50",
      SVC_PTR "configs" },
    { SVC ("'models':['llm']"), "CFP-HC-50", SVC_PTR "models" },
    { SVC ("'pull_policy':'build'"), "CFP-HC-50", SVC_PTR "pull_policy" },
    { SVC ("'pull_policy':7"), "CFP-HC-50", SVC_PTR "pull_policy" },
    { "{'include':['other.yml']}", "CFP-HC-50", "/include" },
    { "{'secrets':{'s':{'file':'/etc/shadow'}}}", "CFP-HC-50", "/secrets/s" },
    { "{'secrets':{'s':{'environment':'HOME'}}}", "CFP-HC-50", "/secrets/s" },
    { "{'configs':{'c':{'content':'x'}}}", "CFP-HC-50", "/configs/c" },
    { "{'models':{'m':{'model':'ai/llama3'}}}", "CFP-HC-50", "/models/m" },
    { "{'secrets':['s']}", "CFP-HC-50", "/secrets" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'pull_policy':'missing'"));
}

static void
test_names_and_labels (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'container_name':'acme-web'"), "CFP-HC-52",
      SVC_PTR "container_name" },
    { SVC ("'labels':{'traefik.enable':'true'}"), "CFP-HC-52",
      SVC_PTR "labels/traefik.enable" },
    { SVC ("'labels':['a=b','com.docker.compose.project=victim']"), "CFP-HC-52",
      SVC_PTR "labels/1" },
    { SVC ("'labels':['CFP.tenant']"), "CFP-HC-52", SVC_PTR "labels/0" },
    { SVC ("'labels':{'Traefik.http.routers.x.rule':'Host(`a`)'}"), "CFP-HC-52",
      SVC_PTR "labels/Traefik.http.routers.x.rule" },
    { SVC ("'labels':'traefik.enable=true'"), "CFP-HC-52", SVC_PTR "labels" },
    { SVC ("'labels':[{'traefik.enable':true}]"), "CFP-HC-52",
      SVC_PTR "labels/0" },
    { SVC ("'deploy':{'labels':{'cfp.stack':'x'}}"), "CFP-HC-52",
      SVC_PTR "deploy/labels/cfp.stack" },
    { SVC ("'volumes':[{'type':'volume','source':'data','target':'/d',"
           "'volume':{'labels':['cfp.owner=x']}}]"),
      "CFP-HC-52", SVC_PTR "volumes/0/volume/labels/0" },
    { "{'volumes':{'v':{'labels':{'com.docker.compose.volume':'x'}}}}",
      "CFP-HC-52", "/volumes/v/labels/com.docker.compose.volume" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'labels':{'com.example.team':'x','cfpx':'y',"
                    "'traefikish':'z'}"));
}

static void
test_images (void **state)
{
  static const char *const registries[] = { "registry.local:5000", NULL };
  static const struct kase cases[] = {
    { IMG ("'quay.io/prometheus/node-exporter'"), "CFP-HC-54",
      SVC_PTR "image" },
    { IMG ("'evil.example:5000/x:1'"), "CFP-HC-54", SVC_PTR "image" },
    { IMG ("'localhost/x'"), "CFP-HC-54", SVC_PTR "image" },
    { IMG ("'registry-1.docker.io.evil.com/library/nginx'"), "CFP-HC-54",
      SVC_PTR "image" },
    { IMG ("''"), "CFP-HC-54", SVC_PTR "image" },
    { IMG ("'nginx latest'"), "CFP-HC-54", SVC_PTR "image" },
    { IMG ("{'name':'nginx'}"), "CFP-HC-54", SVC_PTR "image" },
    { SVC ("'volumes':[{'type':'image','source':'quay.io/x/y',"
           "'target':'/m'}]"),
      "CFP-HC-54", SVC_PTR "volumes/0/source" },
  };
  struct pol_config cfg;
  char doc[2048], host[300];

  (void)state;
  EXPECT_ALL (cases);
  expect_none ("{'services':{'a':{'image':'nginx'},'b':{'image':"
               "'library/nginx:1.27'},'c':{'image':'ghcr.io/acme/bot:2'},"
               "'d':{'image':'docker.io/acme/x'},'e':{'image':'acme/x@sha256:"
               "abc'},'f':{'image':'index.docker.io/acme/x'},'g':{'image':"
               "'GHCR.IO/acme/x'}}}");

  /* A registry name too long to copy is refused, not taken for Hub. */
  memset (host, 'a', sizeof host - 1);
  host[sizeof host - 1] = '\0';
  memcpy (host + sizeof host - 5, ".io", 4);
  snprintf (doc, sizeof doc, "{'services':{'a':{'image':'%s/x'}}}", host);
  expect (doc, "CFP-HC-54", "/services/a/image");

  pol_config_default (&cfg, team ());
  cfg.registry_allow = registries;
  expect_none_with (IMG ("'registry.local:5000/acme/x:1'"), &cfg);
  expect_with (IMG ("'registry.local/acme/x'"), &cfg, "CFP-HC-54",
               SVC_PTR "image");
}

/* --- logging, restart, replicas (CFP-HC-41, 42, 56) ------------------- */

static void
test_logging_restart_replicas (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'logging':{'driver':'syslog','options':{'syslog-address':"
           "'udp://1.2.3.4:514'}}"),
      "CFP-HC-41", SVC_PTR "logging/driver" },
    { SVC ("'logging':{'driver':'none'}"), "CFP-HC-41",
      SVC_PTR "logging/driver" },
    { SVC ("'logging':{'driver':['gelf']}"), "CFP-HC-41",
      SVC_PTR "logging/driver" },
    { SVC ("'logging':'json-file'"), "CFP-HC-41", SVC_PTR "logging" },
    { SVC ("'deploy':{'restart_policy':{'condition':'any'}}"), "CFP-HC-42",
      SVC_PTR "deploy/restart_policy" },
    { SVC ("'scale':2"), "CFP-HC-56", SVC_PTR "scale" },
    { SVC ("'scale':'3'"), "CFP-HC-56", SVC_PTR "scale" },
    { SVC ("'scale':-1"), "CFP-HC-56", SVC_PTR "scale" },
    { SVC ("'deploy':{'replicas':3}"), "CFP-HC-56", SVC_PTR "deploy/replicas" },
    { SVC ("'deploy':{'replicas':'two'}"), "CFP-HC-56",
      SVC_PTR "deploy/replicas" },
    { SVC ("'deploy':{'mode':'global'}"), "CFP-HC-56", SVC_PTR "deploy/mode" },
    { SVC ("'deploy':{'mode':'replicated-job'}"), "CFP-HC-56",
      SVC_PTR "deploy/mode" },
  };

  (void)state;
  EXPECT_ALL (cases);
  expect_none (SVC ("'logging':{'options':{'max-size':'10m'}},'restart':"
                    "'always','scale':0,'deploy':{'replicas':'1'}"));
}

/* --- keys (CFP-HC-53) ------------------------------------------------- */

static void
test_unknown_keys (void **state)
{
  static const struct kase cases[] = {
    { SVC ("'privilegd':true"), "CFP-HC-53", SVC_PTR "privilegd" },
    { SVC ("'pre_start':[{'image':'x','privileged':true}]"), "CFP-HC-53",
      SVC_PTR "pre_start" },
    { SVC ("'volume_driver':'x'"), "CFP-HC-53", SVC_PTR "volume_driver" },
    { SVC ("'deploy':{'resources':{'limits':{'memory':'1g','gpus':1}}}"),
      "CFP-HC-53", SVC_PTR "deploy/resources/limits/gpus" },
    { SVC ("'deploy':{'x-note':1}"), "CFP-HC-53", SVC_PTR "deploy/x-note" },
    { SVC ("'healthcheck':{'test':'true','intervall':'5s'}"), "CFP-HC-53",
      SVC_PTR "healthcheck/intervall" },
    { SVC ("'volumes':[{'type':'volume','source':'data','target':'/d',"
           "'bind':{'propagation':'rprivate','mode':'x'}}]"),
      "CFP-HC-53", SVC_PTR "volumes/0/bind/mode" },
    { SVC ("'depends_on':{'db':{'condition':'service_started','x':1}}"),
      "CFP-HC-53", SVC_PTR "depends_on/db/x" },
    { "{'service':{}}", "CFP-HC-53", "/service" },
    { "{'volumes':{'v':{'drivr':'x'}}}", "CFP-HC-53", "/volumes/v/drivr" },
    { "{'volumes':{'v':{'x-meta':1}}}", "CFP-HC-53", "/volumes/v/x-meta" },
    { "{'services':{'we b':{'image':'nginx'}}}", "CFP-HC-53",
      "/services/we b" },
    { "{'services':{'a/b':{'image':'nginx'}}}", "CFP-HC-53", "/services/a~1b" },
    { "{'services':['web']}", "CFP-HC-53", "/services" },
    { "{'services':{'web':'nginx'}}", "CFP-HC-53", "/services/web" },
    { SVC ("'deploy':'big'"), "CFP-HC-53", SVC_PTR "deploy" },
    { SVC ("'deploy':{'resources':[1]}"), "CFP-HC-53",
      SVC_PTR "deploy/resources" },
    { SVC ("'deploy':{'resources':{'limits':'1g'}}"), "CFP-HC-53",
      SVC_PTR "deploy/resources/limits" },
  };
  struct pol_config cfg;

  (void)state;
  EXPECT_ALL (cases);
  expect_rules (SVC ("'ports':[{'target':80,'hostport':80}]"),
                "CFP-HC-45 CFP-HC-53");
  expect_none ("{'version':'3.9','name':'x','x-anchors':{'a':1},"
               "'services':{'web':{'image':'nginx','x-meta':{'any':[1]}}}}");

  pol_config_default (&cfg, team ());
  cfg.allow_extensions = false;
  expect_with ("{'x-a':1}", &cfg, "CFP-HC-53", "/x-a");
  expect_with (SVC ("'x-b':1"), &cfg, "CFP-HC-53", SVC_PTR "x-b");
}

/* A key with a NUL byte would read as a known key to strcmp(). */
static void
test_key_with_nul (void **state)
{
  struct cmp_doc doc = { .file = file_name, .root = load_json (SVC ("'a':1")) };
  json_t *web = json_object_get (json_object_get (doc.root, "services"), "web");
  struct pol_config cfg;
  struct pol_result r = { 0 };
  struct cfp_err err = { 0 };

  (void)state;
  json_object_del (web, "a");
  json_object_setn_new (web, "privileged\0x", 12, json_true ());
  json_object_set_new (web, "user", json_stringn ("1000\0:0", 7));
  pol_config_default (&cfg, team ());
  assert_int_equal (pol_check (&doc, &cfg, &r, &err), 0);
  if (r.n_findings != 2)
    dump ("(built in code)", &r);
  assert_int_equal (r.n_findings, 2);
  assert_string_equal (r.findings[0].rule->id, "CFP-HC-53");
  assert_string_equal (r.findings[1].rule->id, "CFP-HC-12");
  pol_result_free (&r);
  json_decref (doc.root);
}

/* --- robustness, order, bounds ---------------------------------------- */

/* Every key a table knows, holding every JSON type: findings or none, but
 * never a crash or a leak (the test runs under ASan and UBSan). */
static void
test_any_type_anywhere (void **state)
{
  static const char *const values[] = {
    "null",       "true",       "false",
    "0",          "-1",         "1e300",
    "-1e300",     "''",         "'x'",
    "'-'",        "[]",         "[null]",
    "[[1]]",      "[{'a':1}]",  "{}",
    "{'a':null}", "{'a':[{}]}", "'9999999999999999999999'",
  };
  struct pol_result r = { 0 };
  char doc[512];

  (void)state;
  for (size_t v = 0; v < sizeof values / sizeof values[0]; v++)
    {
      for (size_t k = 0; k < keys_service.n_keys; k++)
        {
          snprintf (doc, sizeof doc, "{'services':{'s':{'%s':%s}}}",
                    keys_service.keys[k].name, values[v]);
          check_doc (doc, &r);
          assert_messages_clean (&r);
          pol_result_free (&r);
        }
      for (size_t k = 0; k < keys_top.n_keys; k++)
        {
          snprintf (doc, sizeof doc, "{'%s':%s}", keys_top.keys[k].name,
                    values[v]);
          check_doc (doc, &r);
          pol_result_free (&r);
          snprintf (doc, sizeof doc, "{'%s':{'n':%s}}", keys_top.keys[k].name,
                    values[v]);
          check_doc (doc, &r);
          pol_result_free (&r);
        }
    }
}

/* Long keys at depth cost nothing per node: pointers are built for
 * findings only, and capped. */
static void
test_long_keys_deep (void **state)
{
  enum
  {
    KEY = 16000,
    DEPTH = 60,
    ITEMS = 90000
  };
  struct cmp_doc doc = { .file = file_name, .root = json_object () };
  cleanup_free char *key = xmalloc (KEY + 1);
  json_t *node = doc.root, *list = json_array (), *web;
  struct pol_config cfg;
  struct pol_result r = { 0 };
  struct cfp_err err = { 0 };

  (void)state;
  memset (key, 'k', KEY);
  key[KEY] = '\0';
  for (int d = 0; d < DEPTH; d++)
    {
      json_t *child = json_object ();
      json_object_set_new (node, d == 0 ? "x-deep" : key, child);
      node = child;
    }
  for (int i = 0; i < ITEMS; i++)
    json_array_append_new (list, json_integer (i));
  json_object_set_new (node, key, list);
  web = json_pack ("{s:s, s:b}", "image", "nginx", "privileged", 1);
  json_object_set_new (doc.root, "services", json_pack ("{s:o}", key, web));
  pol_config_default (&cfg, team ());
  assert_int_equal (pol_check (&doc, &cfg, &r, &err), 0);
  assert_int_equal (r.n_findings, 2); /* the name's length, privileged */
  for (size_t i = 0; i < r.n_findings; i++)
    {
      assert_true (strlen (r.findings[i].pointer) <= 4096);
      assert_true (strlen (r.findings[i].service) <= 255);
    }
  assert_string_equal (r.findings[1].rule->id, "CFP-HC-01");
  pol_result_free (&r);
  json_decref (doc.root);
}

/* `shape` with its first '@' replaced by `a` and the second by `b`. */
static void
fill (char *out, size_t size, const char *shape, const char *a, const char *b)
{
  struct buf buf;
  cleanup_free char *text = NULL;

  buf_init (&buf, size - 1);
  for (const char *p = shape; *p; p++)
    if (*p != '@')
      assert_int_equal (buf_append (&buf, p, 1), 0);
    else
      {
        assert_int_equal (buf_puts (&buf, a), 0);
        a = b;
      }
  text = buf_steal (&buf);
  snprintf (out, size, "%s", text);
}

/* The same inside the maps and lists the rules look into. */
static void
test_any_type_nested (void **state)
{
  static const char *const values[] = {
    "null", "true", "-1", "1e300", "'x'", "[]", "[{}]", "{}", "{'a':[1]}",
  };
  static const char *const shapes[] = {
    "'deploy':{'resources':{'limits':{'memory':@,'cpus':@}}}",
    "'deploy':{'resources':{'reservations':@},'mode':@}",
    "'deploy':{'resources':@,'restart_policy':@}",
    "'volumes':[{'type':'bind','bind':{'propagation':@},'source':@}]",
    "'volumes':[{'type':'tmpfs','tmpfs':{'size':@}},@]",
    "'volumes':[{'type':@,'source':@}]",
    "'ulimits':{'nofile':{'soft':@,'hard':@}}",
    "'post_start':[{'user':@,'privileged':@}]",
    "'networks':{'default':{'ipv4_address':@},'n':@}",
    "'logging':{'driver':@,'options':@}",
    "'extra_hosts':{'h':@,'g':[@]}",
    "'labels':{'cfp.x':@},'sysctls':{'a':@}",
    "'labels':[@],'sysctls':[@]",
    "'blkio_config':{'weight_device':@,'weight':@}",
    "'security_opt':[@],'cap_add':[@]",
    "'group_add':[@],'tmpfs':[@]",
    "'ports':[@],'depends_on':{'a':@}",
  };
  struct pol_result r = { 0 };
  char extra[256], doc[512];

  (void)state;
  for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++)
    for (size_t a = 0; a < sizeof values / sizeof values[0]; a++)
      for (size_t b = 0; b < sizeof values / sizeof values[0]; b++)
        {
          fill (extra, sizeof extra, shapes[sh], values[a], values[b]);
          snprintf (doc, sizeof doc, "{'services':{'s':{%s}}}", extra);
          check_doc (doc, &r);
          assert_messages_clean (&r);
          pol_result_free (&r);
        }
}

/* Findings come in document order, with their positions. */
static void
test_positions_and_order (void **state)
{
  char p_user[] = SVC_PTR "user", p_priv[] = SVC_PTR "privileged",
       p_ports[] = SVC_PTR "ports/0";
  struct cmp_posent pos[] = {
    /* sorted by pointer, as compose_load() keeps them */
    { p_ports, { 7, 9 } },
    { p_priv, { 9, 5 } },
    { p_user, { 4, 5 } },
  };
  struct cmp_doc doc = {
    .file = file_name,
    .root = load_json (SVC ("'privileged':true,'ports':['80'],"
                            "'user':'root'")),
    .pos = pos,
    .n_pos = 3,
  };
  struct pol_config cfg;
  struct pol_result r = { 0 };
  struct cfp_err err = { 0 };

  (void)state;
  pol_config_default (&cfg, team ());
  assert_int_equal (pol_check (&doc, &cfg, &r, &err), 0);
  assert_int_equal (r.n_findings, 3);
  assert_string_equal (r.file, "compose.yml");
  assert_string_equal (r.findings[0].rule->id, "CFP-HC-12");
  assert_int_equal (r.findings[0].pos.line, 4);
  assert_string_equal (r.findings[1].rule->id, "CFP-HC-45");
  assert_int_equal (r.findings[1].pos.line, 7);
  assert_int_equal (r.findings[1].pos.col, 9);
  assert_string_equal (r.findings[2].rule->id, "CFP-HC-01");
  assert_non_null (strstr (r.findings[2].message, "`privileged: true`"));
  pol_result_free (&r);
  json_decref (doc.root);
}

/* A file with more findings than the cap is refused as a whole. */
static void
test_finding_limit (void **state)
{
  struct cmp_doc doc = { .file = file_name, .root = load_json (SVC ("'a':1")) };
  json_t *ports = json_array ();
  struct pol_config cfg;
  struct pol_result r = { 0 };
  struct cfp_err err = { 0 };

  (void)state;
  for (int i = 0; i < 1500; i++)
    json_array_append_new (ports, json_integer (80));
  json_object_set_new (
      json_object_get (json_object_get (doc.root, "services"), "web"), "ports",
      ports);
  pol_config_default (&cfg, team ());
  assert_int_equal (pol_check (&doc, &cfg, &r, &err), -CFP_E_LIMIT);
  assert_non_null (strstr (err.msg, "1000"));
  assert_int_equal (r.n_findings, 0);
  pol_result_free (&r);
  json_decref (doc.root);
}

static void
test_plans_differ (void **state)
{
  const struct plan *p = NULL;
  struct cfp_err err = { 0 };
  struct pol_config cfg;

  (void)state;
  assert_int_equal (plan_find ("business", &p, &err), 0);
  pol_config_default (&cfg, p);
  expect_none_with (SVC ("'mem_limit':'2g','cpus':2,'pids_limit':1000"), &cfg);
  assert_int_equal (plan_find ("starter", &p, &err), 0);
  pol_config_default (&cfg, p);
  expect_with (SVC ("'mem_limit':'768m'"), &cfg, "CFP-HC-31",
               SVC_PTR "mem_limit");
}

/* Every rule the catalogue rejects with has a test above: this list is
 * kept by hand and checked against the catalogue. */
static void
test_every_reject_rule_covered (void **state)
{
  static const char covered[]
      = "01 02 04 06 07 08 09 10 11 12 13 16 17 18 19 20 21 22 23 24 25 26 "
        "27 28 29 30 37 38 40 43 44 45 46 47 48 49 50 52 53 54 56 57 60";
  char id[8];

  (void)state;
  for (size_t i = 0; i < pol_n_rules; i++)
    {
      if (pol_rules[i].action != POL_REJECT)
        continue;
      snprintf (id, sizeof id, "%s", pol_rules[i].id + 7);
      if (strstr (covered, id) == NULL)
        {
          print_error ("no test for %s\n", pol_rules[i].id);
          fail ();
        }
    }
}

/* --- the key tables against the specification ------------------------- */

struct schema
{
  json_t *defs; /* the schema's `definitions` */
  int errors;
};

static json_t *
resolve (const struct schema *s, json_t *node)
{
  const char *ref;

  for (int i = 0;
       i < 16
       && (ref = json_string_value (json_object_get (node, "$ref"))) != NULL;
       i++)
    node = json_object_get (s->defs, strrchr (ref, '/') + 1);
  return node;
}

/* The object forms of `node` that list properties, through oneOf and
 * anyOf alternatives. */
static size_t
object_forms (const struct schema *s, json_t *node, json_t **out, size_t max)
{
  static const char *const alts[] = { "oneOf", "anyOf", "allOf" };
  size_t n = 0, i;
  json_t *alt;

  node = resolve (s, node);
  if (node == NULL)
    return 0;
  if (json_object_get (node, "properties") != NULL && n < max)
    out[n++] = node;
  for (size_t a = 0; a < 3; a++)
    json_array_foreach (json_object_get (node, alts[a]), i, alt) n
        += object_forms (s, alt, out + n, max - n);
  return n;
}

/* The schemas one level below `node` in the way `walk` describes. */
static size_t
below (const struct schema *s, json_t *node, enum keys_walk walk, json_t **out,
       size_t max)
{
  static const char *const alts[] = { "oneOf", "anyOf" };
  const char *key;
  size_t n = 0, i;
  json_t *v, *alt;

  node = resolve (s, node);
  if (node == NULL || walk == KEYS_LEAF)
    return 0;
  if (walk == KEYS_OBJECT && n < max)
    out[n++] = node;
  if (walk == KEYS_ITEMS && json_is_object (json_object_get (node, "items")))
    out[n++] = json_object_get (node, "items");
  if (walk == KEYS_MEMBERS)
    {
      json_object_foreach (json_object_get (node, "patternProperties"), key,
                           v) if (n < max && strcmp (key, "^x-") != 0) out[n++]
          = v;
      if (json_is_object (json_object_get (node, "additionalProperties")))
        out[n++] = json_object_get (node, "additionalProperties");
    }
  for (size_t a = 0; a < 2 && walk != KEYS_OBJECT; a++)
    json_array_foreach (json_object_get (node, alts[a]), i, alt) n
        += below (s, alt, walk, out + n, max - n);
  return n;
}

/* True when the schema fixes the keys of some map under `node`: a table
 * must describe it. */
static bool
has_fixed_keys (const struct schema *s, json_t *node)
{
  static const enum keys_walk walks[]
      = { KEYS_OBJECT, KEYS_ITEMS, KEYS_MEMBERS };
  json_t *sub[16], *forms[16];

  for (size_t w = 0; w < 3; w++)
    {
      size_t nb = below (s, node, walks[w], sub, 16);
      for (size_t b = 0; b < nb; b++)
        {
          size_t nf = object_forms (s, sub[b], forms, 16);
          for (size_t f = 0; f < nf; f++)
            if (json_is_false (
                    json_object_get (forms[f], "additionalProperties")))
              return true;
        }
    }
  return false;
}

static void cover (struct schema *s, json_t *node, const struct keys_table *t,
                   const char *path);

static void
cover_key (struct schema *s, json_t *forms[], size_t nf,
           const struct keys_key *k, const char *path)
{
  char sub_path[256];
  json_t *prop = NULL, *sub[16];

  for (size_t f = 0; f < nf && prop == NULL; f++)
    prop = json_object_get (json_object_get (forms[f], "properties"), k->name);
  snprintf (sub_path, sizeof sub_path, "%s.%s", path, k->name);
  if (prop == NULL)
    {
      print_error ("table has `%s`, the schema does not\n", sub_path);
      s->errors++;
      return;
    }
  if (k->walk == KEYS_LEAF && has_fixed_keys (s, prop))
    {
      print_error ("schema fixes the keys under `%s`, the table does not\n",
                   sub_path);
      s->errors++;
    }
  for (size_t b = 0, nb = below (s, prop, k->walk, sub, 16); b < nb; b++)
    cover (s, sub[b], k->child, sub_path);
}

/* Checks table `t` against the object forms of `node`, both ways. */
static void
cover (struct schema *s, json_t *node, const struct keys_table *t,
       const char *path)
{
  json_t *forms[16], *v;
  size_t nf = object_forms (s, node, forms, 16);
  const char *key;

  if (nf == 0)
    return;
  for (size_t f = 0; f < nf; f++)
    {
      json_object_foreach (json_object_get (forms[f], "properties"), key, v)
      {
        if (keys_find (t, key) == NULL)
          {
            print_error ("schema has `%s.%s`, table %s does not\n", path, key,
                         t->name);
            s->errors++;
          }
      }
      if ((json_object_get (json_object_get (forms[f], "patternProperties"),
                            "^x-")
           != NULL)
          != t->extensions)
        {
          print_error ("`%s`: extensions differ from the schema\n", path);
          s->errors++;
        }
    }
  for (size_t i = 0; i < t->n_keys; i++)
    cover_key (s, forms, nf, &t->keys[i], path);
}

static void
test_keys_match_schema (void **state)
{
  json_error_t jerr;
  json_t *root = json_load_file (SCHEMA, 0, &jerr);
  struct schema s = { 0 };

  (void)state;
  if (root == NULL)
    {
      print_message ("skipped: cannot read %s (%s); the key tables are not "
                     "checked against the Compose Specification\n",
                     SCHEMA, jerr.text);
      skip ();
    }
  s.defs = json_object_get (root, "definitions");
  assert_non_null (s.defs);
  assert_non_null (
      json_object_get (json_object_get (s.defs, "service"), "properties"));
  cover (&s, root, &keys_top, "");
  cover (&s, json_object_get (s.defs, "service"), &keys_service, "services.*");
  json_decref (root);
  assert_int_equal (s.errors, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_benign_stacks),
    cmocka_unit_test (test_messages_quote_no_secrets),
    cmocka_unit_test (test_hooks_unsupported),
    cmocka_unit_test (test_deployable),
    cmocka_unit_test (test_messages_one_line),
    cmocka_unit_test (test_privileged_and_hooks),
    cmocka_unit_test (test_capabilities),
    cmocka_unit_test (test_security_opt),
    cmocka_unit_test (test_users_and_groups),
    cmocka_unit_test (test_read_only_and_tmpfs),
    cmocka_unit_test (test_mounts),
    cmocka_unit_test (test_top_level_volumes),
    cmocka_unit_test (test_namespaces),
    cmocka_unit_test (test_devices_and_kernel),
    cmocka_unit_test (test_resources),
    cmocka_unit_test (test_stack_sums),
    cmocka_unit_test (test_network),
    cmocka_unit_test (test_runtime_and_windows),
    cmocka_unit_test (test_host_files),
    cmocka_unit_test (test_names_and_labels),
    cmocka_unit_test (test_images),
    cmocka_unit_test (test_logging_restart_replicas),
    cmocka_unit_test (test_unknown_keys),
    cmocka_unit_test (test_key_with_nul),
    cmocka_unit_test (test_any_type_anywhere),
    cmocka_unit_test (test_any_type_nested),
    cmocka_unit_test (test_long_keys_deep),
    cmocka_unit_test (test_positions_and_order),
    cmocka_unit_test (test_finding_limit),
    cmocka_unit_test (test_plans_differ),
    cmocka_unit_test (test_every_reject_rule_covered),
    cmocka_unit_test (test_keys_match_schema),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
