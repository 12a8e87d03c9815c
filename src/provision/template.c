#include "provision/template.h"

#include <ctype.h>
#include <dirent.h>
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

/* Where a metadata error is reported: "template `x`: template.yml:L:C". */
struct meta_ctx
{
  const char *tmpl;
  struct cfp_err *err;
};

static void
node_pos (struct fy_node *n, unsigned *line, unsigned *col)
{
  struct fy_token *t = n ? fy_node_get_scalar_token (n) : NULL;
  const struct fy_mark *m = t ? fy_token_start_mark (t) : NULL;

  *line = m ? (unsigned)m->line + 1 : 0;
  *col = m ? (unsigned)m->column + 1 : 0;
}

static int __attribute__ ((format (printf, 3, 4)))
meta_fail (struct meta_ctx *c, struct fy_node *at, const char *fmt, ...)
{
  char what[512];
  unsigned line, col;
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (what, sizeof what, fmt, ap);
  va_end (ap);
  node_pos (at, &line, &col);
  return cfp_err_set (c->err, CFP_E_INVALID,
                      "template `%s`: template.yml:%u:%u: %s", c->tmpl, line,
                      col, what);
}

static const char *
scalar (struct fy_node *n)
{
  return n && fy_node_is_scalar (n) ? fy_node_get_scalar0 (n) : NULL;
}

static int
want_scalar (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
             char **out)
{
  const char *s = scalar (v);

  if (s == NULL)
    return meta_fail (c, key, "`%s` must be a string", scalar (key));
  free (*out);
  *out = xstrdup (s);
  return 0;
}

static int
parse_param (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
             struct tmpl_param *p)
{
  struct fy_node_pair *pair;
  void *it = NULL;

  p->name = xstrdup (scalar (key));
  p->def = xstrdup ("");
  p->description = xstrdup ("");
  if (v == NULL || fy_node_get_type (v) != FYNT_MAPPING)
    return meta_fail (c, key, "parameter `%s` must be a mapping", p->name);
  while ((pair = fy_node_mapping_iterate (v, &it)) != NULL)
    {
      struct fy_node *k = fy_node_pair_key (pair);
      const char *ks = scalar (k);
      char **dst = NULL;

      if (ks && strcmp (ks, "default") == 0)
        dst = &p->def;
      else if (ks && strcmp (ks, "description") == 0)
        dst = &p->description;
      else
        return meta_fail (c, k, "parameter `%s`: unknown key `%s`", p->name,
                          ks ? ks : "?");
      if (want_scalar (c, k, fy_node_pair_value (pair), dst) < 0)
        return -CFP_E_INVALID;
    }
  return 0;
}

static int
parse_port (struct meta_ctx *c, struct fy_node *n, int *out)
{
  const char *s = scalar (n);
  char *end;
  long v;

  if (s == NULL)
    return meta_fail (c, n, "a port must be a number");
  v = strtol (s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 65535)
    return meta_fail (c, n, "port `%s` is not in 1..65535", s);
  *out = (int)v;
  return 0;
}

static int
parse_expose (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
              struct tmpl_service *s)
{
  struct fy_node *item;
  void *it = NULL;

  if (v == NULL || fy_node_get_type (v) != FYNT_SEQUENCE)
    return meta_fail (c, key, "service `%s`: `expose` must be a list", s->name);
  s->expose = xcalloc ((size_t)fy_node_sequence_item_count (v) + 1,
                       sizeof *s->expose);
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    if (parse_port (c, item, &s->expose[s->n_expose++]) < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
parse_kind (struct meta_ctx *c, struct fy_node *k, struct fy_node *v,
            struct tmpl_service *s)
{
  const char *vs = scalar (v);

  if (vs && strcmp (vs, "service") == 0)
    s->kind = TMPL_SERVICE;
  else if (vs && strcmp (vs, "batch") == 0)
    s->kind = TMPL_BATCH;
  else
    return meta_fail (c, k, "service `%s`: kind must be `service` or `batch`",
                      s->name);
  return 0;
}

static int
parse_share (struct meta_ctx *c, struct fy_node *k, struct fy_node *v,
             struct tmpl_service *s)
{
  const char *vs = scalar (v);
  char *end;
  long n = vs ? strtol (vs, &end, 10) : 0;

  if (vs == NULL || *vs == '\0' || *end != '\0' || n < 1 || n > 100)
    return meta_fail (c, k, "service `%s`: share must be in 1..100", s->name);
  s->share = (unsigned)n;
  return 0;
}

static int
parse_service (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
               struct tmpl_service *s)
{
  struct fy_node_pair *pair;
  void *it = NULL;
  int rc = 0;

  s->name = xstrdup (scalar (key));
  s->share = 1;
  if (v == NULL || fy_node_get_type (v) != FYNT_MAPPING)
    return meta_fail (c, key, "service `%s` must be a mapping", s->name);
  while (rc == 0 && (pair = fy_node_mapping_iterate (v, &it)) != NULL)
    {
      struct fy_node *k = fy_node_pair_key (pair);
      struct fy_node *val = fy_node_pair_value (pair);
      const char *ks = scalar (k) ? scalar (k) : "?";

      if (strcmp (ks, "kind") == 0)
        rc = parse_kind (c, k, val, s);
      else if (strcmp (ks, "expose") == 0)
        rc = parse_expose (c, k, val, s);
      else if (strcmp (ks, "share") == 0)
        rc = parse_share (c, k, val, s);
      else
        rc = meta_fail (c, k, "service `%s`: unknown key `%s`", s->name, ks);
    }
  return rc;
}

static int
parse_volume (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
              struct tmpl_volume *vol)
{
  struct fy_node *st;
  const char *s;

  vol->name = xstrdup (scalar (key));
  if (v == NULL || fy_node_get_type (v) != FYNT_MAPPING)
    return meta_fail (c, key, "volume `%s` must be a mapping", vol->name);
  if (fy_node_mapping_item_count (v) > 1
      || (fy_node_mapping_item_count (v) == 1
          && fy_node_mapping_lookup_by_string (v, "state", FY_NT) == NULL))
    return meta_fail (c, key, "volume `%s`: only `state` may be given",
                      vol->name);
  st = fy_node_mapping_lookup_by_string (v, "state", FY_NT);
  s = scalar (st);
  vol->state = s && (strcmp (s, "true") == 0 || strcmp (s, "yes") == 0);
  return 0;
}

/* Parameter names are what ${NAME} can reference. */
static bool
param_name_ok (const char *s)
{
  if (!(isalpha ((unsigned char)s[0]) || s[0] == '_') || strlen (s) > 64)
    return false;
  for (; *s; s++)
    if (!(isalnum ((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

/* Iterates a mapping section, growing `*arr` by `size` bytes per entry and
 * handing each entry to `fn`. */
typedef int (*entry_fn) (struct meta_ctx *, struct fy_node *, struct fy_node *,
                         void *);

static int
parse_section (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
               void **arr, size_t *n, size_t size, entry_fn fn)
{
  const char *section = scalar (key) ? scalar (key) : "?";
  bool params = strcmp (section, "parameters") == 0;
  struct fy_node_pair *pair;
  void *it = NULL;

  if (v == NULL || fy_node_get_type (v) != FYNT_MAPPING)
    return meta_fail (c, key, "`%s` must be a mapping", section);
  if (fy_node_mapping_item_count (v) > TMPL_MAX_PARAMS)
    return meta_fail (c, key, "`%s` has more than %d entries", section,
                      TMPL_MAX_PARAMS);
  *arr = xcalloc ((size_t)fy_node_mapping_item_count (v) + 1, size);
  while ((pair = fy_node_mapping_iterate (v, &it)) != NULL)
    {
      struct fy_node *k = fy_node_pair_key (pair);
      void *slot = (char *)*arr + size * (*n)++;

      const char *name = scalar (k);

      if (name == NULL)
        return meta_fail (c, k, "`%s` entry names must be strings", section);
      if (params && !param_name_ok (name))
        return meta_fail (
            c, k, "parameter name `%.64s` is not [A-Za-z_][A-Za-z0-9_]*", name);
      if (!params && !name_is_compose (name))
        return meta_fail (c, k, "`%s` entry `%.64s` is not a valid name",
                          section, name);
      if (fn (c, k, fy_node_pair_value (pair), slot) < 0)
        return -CFP_E_INVALID;
    }
  return 0;
}

static int
parse_secrets (struct meta_ctx *c, struct fy_node *key, struct fy_node *v,
               struct tmpl *t)
{
  struct fy_node *item;
  void *it = NULL;

  if (v == NULL || fy_node_get_type (v) != FYNT_SEQUENCE)
    return meta_fail (c, key, "`secrets` must be a list");
  t->secrets = xcalloc ((size_t)fy_node_sequence_item_count (v) + 1,
                        sizeof *t->secrets);
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    {
      if (scalar (item) == NULL)
        return meta_fail (c, key, "a secret name must be a string");
      t->secrets[t->n_secrets++] = xstrdup (scalar (item));
    }
  return 0;
}

static int
parse_top (struct meta_ctx *c, struct fy_node *k, struct fy_node *v,
           struct tmpl *t)
{
  const char *ks = scalar (k) ? scalar (k) : "?";

  if (strcmp (ks, "name") == 0)
    return want_scalar (c, k, v, &t->name);
  if (strcmp (ks, "description") == 0)
    return want_scalar (c, k, v, &t->description);
  if (strcmp (ks, "secrets") == 0)
    return parse_secrets (c, k, v, t);
  if (strcmp (ks, "parameters") == 0)
    return parse_section (c, k, v, (void **)&t->params, &t->n_params,
                          sizeof *t->params, (entry_fn)parse_param);
  if (strcmp (ks, "services") == 0)
    return parse_section (c, k, v, (void **)&t->services, &t->n_services,
                          sizeof *t->services, (entry_fn)parse_service);
  if (strcmp (ks, "volumes") == 0)
    return parse_section (c, k, v, (void **)&t->volumes, &t->n_volumes,
                          sizeof *t->volumes, (entry_fn)parse_volume);
  return meta_fail (c, k, "unknown key `%s`", ks);
}

static int
parse_meta (const char *name, const char *text, size_t len, struct tmpl *t,
            struct cfp_err *err)
{
  struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET };
  struct meta_ctx c = { name, err };
  struct fy_document *doc;
  struct fy_node *root;
  struct fy_node_pair *pair;
  void *it = NULL;
  int rc = 0;

  doc = fy_document_build_from_string (&cfg, text, len);
  if (doc == NULL)
    return cfp_err_set (err, CFP_E_INVALID,
                        "template `%s`: template.yml is not valid YAML", name);
  root = fy_document_root (doc);
  if (root == NULL || fy_node_get_type (root) != FYNT_MAPPING)
    rc = cfp_err_set (err, CFP_E_INVALID,
                      "template `%s`: template.yml must be a mapping", name);
  while (rc == 0 && (pair = fy_node_mapping_iterate (root, &it)) != NULL)
    rc = parse_top (&c, fy_node_pair_key (pair), fy_node_pair_value (pair), t);
  fy_document_destroy (doc);
  if (rc == 0 && (t->name == NULL || strcmp (t->name, name) != 0))
    rc = cfp_err_set (err, CFP_E_INVALID,
                      "template `%s`: template.yml must say `name: %s`", name,
                      name);
  return rc;
}

/* Finds NAME/FILE among the embedded files or in the operator dir; the
 * operator's copy wins. */
static int
find_file (const char *dir, const char *name, const char *file, char **text,
           size_t *len, char **origin, struct cfp_err *err)
{
  cleanup_free char *path = NULL;
  cleanup_free char *want = xasprintf ("%s/%s", name, file);

  if (dir != NULL)
    {
      path = xasprintf ("%s/%s", dir, want);
      if (access (path, F_OK) == 0)
        {
          *origin = xstrdup (dir);
          return read_file_limit (path, TMPL_MAX_BYTES, text, len, err);
        }
    }
  for (const struct tmpl_file *f = tmpl_embedded; f->path; f++)
    if (strcmp (f->path, want) == 0)
      {
        *text = xstrndup (f->data, f->len);
        *len = f->len;
        *origin = xstrdup ("built-in");
        return 0;
      }
  return -CFP_E_NOTFOUND;
}

static int
not_found (const char *dir, const char *name, struct cfp_err *err)
{
  char **names = NULL;
  struct buf b;

  buf_init (&b, 4096);
  if (tmpl_list (dir, &names, NULL) == 0)
    for (size_t i = 0; names[i]; i++)
      buf_printf (&b, "%s%s", i ? ", " : "", names[i]);
  tmpl_names_free (names);
  cfp_err_set (err, CFP_E_NOTFOUND, "unknown template `%.80s` (known: %s)",
               name, b.data ? b.data : "none");
  buf_free (&b);
  return -CFP_E_NOTFOUND;
}

int
tmpl_load (const char *dir, const char *name, struct tmpl **out,
           struct cfp_err *err)
{
  cleanup_free char *meta = NULL;
  cleanup_free char *origin2 = NULL;
  struct tmpl *t;
  size_t len;
  int rc;

  if (!name_is_dns_label (name))
    return not_found (dir, name, err);
  t = xcalloc (1, sizeof *t);
  rc = find_file (dir, name, "template.yml", &meta, &len, &t->origin, err);
  if (rc == -CFP_E_NOTFOUND)
    {
      tmpl_free (t);
      return not_found (dir, name, err);
    }
  if (rc == 0)
    rc = parse_meta (name, meta, len, t, err);
  if (rc == 0)
    rc = find_file (dir, name, "compose.yml", &t->compose, &t->compose_len,
                    &origin2, err);
  if (rc == -CFP_E_NOTFOUND)
    rc = cfp_err_set (err, CFP_E_INVALID,
                      "template `%s`: compose.yml is missing", name);
  if (rc < 0)
    {
      tmpl_free (t);
      return rc;
    }
  *out = t;
  return 0;
}

void
tmpl_free (struct tmpl *t)
{
  if (t == NULL)
    return;
  for (size_t i = 0; i < t->n_params; i++)
    {
      free (t->params[i].name);
      free (t->params[i].def);
      free (t->params[i].description);
    }
  for (size_t i = 0; i < t->n_secrets; i++)
    free (t->secrets[i]);
  for (size_t i = 0; i < t->n_services; i++)
    {
      free (t->services[i].name);
      free (t->services[i].expose);
    }
  for (size_t i = 0; i < t->n_volumes; i++)
    free (t->volumes[i].name);
  free (t->params);
  free (t->secrets);
  free (t->services);
  free (t->volumes);
  free (t->name);
  free (t->description);
  free (t->origin);
  free (t->compose);
  free (t);
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

static void
add_name (char ***names, size_t *n, const char *name)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*names)[i], name) == 0)
      return;
  *names = xrealloc (*names, (*n + 2) * sizeof **names);
  (*names)[(*n)++] = xstrdup (name);
  (*names)[*n] = NULL;
}

int
tmpl_list (const char *dir, char ***out, struct cfp_err *err)
{
  char **names = xcalloc (1, sizeof *names);
  size_t n = 0;
  DIR *d;

  for (const struct tmpl_file *f = tmpl_embedded; f->path; f++)
    {
      cleanup_free char *name = xstrdup (f->path);

      *strchr (name, '/') = '\0';
      add_name (&names, &n, name);
    }
  d = dir ? opendir (dir) : NULL;
  for (struct dirent *e; d && (e = readdir (d)) != NULL;)
    {
      cleanup_free char *p = xasprintf ("%s/%s/template.yml", dir, e->d_name);

      if (name_is_dns_label (e->d_name) && access (p, F_OK) == 0)
        add_name (&names, &n, e->d_name);
    }
  if (d)
    closedir (d);
  qsort (names, n, sizeof *names, cmp_str);
  *out = names;
  (void)err;
  return 0;
}

void
tmpl_names_free (char **names)
{
  for (size_t i = 0; names && names[i]; i++)
    free (names[i]);
  free (names);
}

const struct tmpl_service *
tmpl_service (const struct tmpl *t, const char *name)
{
  for (size_t i = 0; i < t->n_services; i++)
    if (strcmp (t->services[i].name, name) == 0)
      return &t->services[i];
  return NULL;
}

static const struct tmpl_param *
find_param (const struct tmpl *t, const char *name, size_t len)
{
  for (size_t i = 0; i < t->n_params; i++)
    if (strlen (t->params[i].name) == len
        && strncmp (t->params[i].name, name, len) == 0)
      return &t->params[i];
  return NULL;
}

static int
unknown_param (const struct tmpl *t, const char *set, size_t len,
               struct cfp_err *err)
{
  struct buf b;
  int rc;

  buf_init (&b, 4096);
  for (size_t i = 0; i < t->n_params; i++)
    buf_printf (&b, "%s%s", i ? ", " : "", t->params[i].name);
  rc = cfp_err_set (err, CFP_E_INVALID,
                    "template `%s` has no parameter `%.*s` (parameters: %s)",
                    t->name, (int)(len > 80 ? 80 : len), set,
                    b.data ? b.data : "none");
  buf_free (&b);
  return rc;
}

/* Fills params[] with the defaults, then applies each KEY=VALUE. */
static int
build_params (const struct tmpl *t, char *const *sets, size_t n_sets,
              struct cmp_kv *params, struct cfp_err *err)
{
  for (size_t i = 0; i < t->n_params; i++)
    {
      params[i].key = t->params[i].name;
      params[i].value = xstrdup (t->params[i].def);
    }
  for (size_t i = 0; i < n_sets; i++)
    {
      const char *eq = strchr (sets[i], '=');
      const struct tmpl_param *p;

      /* Values may be secret: messages name the key, never the value. */
      if (eq == NULL)
        return cfp_err_set (err, CFP_E_USAGE,
                            "`--set %.64s`: expected KEY=VALUE", sets[i]);
      if (eq == sets[i])
        return cfp_err_set (err, CFP_E_USAGE,
                            "`--set`: expected KEY=VALUE, the key is empty");
      p = find_param (t, sets[i], (size_t)(eq - sets[i]));
      if (p == NULL)
        return unknown_param (t, sets[i], (size_t)(eq - sets[i]), err);
      if (!utf8_valid (eq + 1))
        return cfp_err_set (err, CFP_E_INVALID,
                            "`--set %s`: the value is not valid UTF-8",
                            p->name);
      free (params[p - t->params].value);
      params[p - t->params].value = xstrdup (eq + 1);
    }
  return 0;
}

/* The compose file and the metadata must describe the same services and
 * volumes: a mismatch is a broken template, not a tenant error. */
static int
check_against_meta (const struct tmpl *t, const struct cmp_stack *s,
                    struct cfp_err *err)
{
  for (size_t i = 0; i < s->n_services; i++)
    if (tmpl_service (t, s->services[i].name) == NULL)
      return cfp_err_set (err, CFP_E_INVALID,
                          "template `%s`: service `%s` is not described in "
                          "template.yml",
                          t->name, s->services[i].name);
  for (size_t i = 0; i < t->n_services; i++)
    if (compose_service (s, t->services[i].name) == NULL)
      return cfp_err_set (err, CFP_E_INVALID,
                          "template `%s`: template.yml describes service "
                          "`%s` that compose.yml does not have",
                          t->name, t->services[i].name);
  for (size_t i = 0; i < s->n_volumes; i++)
    {
      bool found = false;

      for (size_t j = 0; j < t->n_volumes; j++)
        found = found || strcmp (t->volumes[j].name, s->volumes[i].name) == 0;
      if (!found)
        return cfp_err_set (err, CFP_E_INVALID,
                            "template `%s`: volume `%s` is not described in "
                            "template.yml",
                            t->name, s->volumes[i].name);
    }
  return 0;
}

int
tmpl_render (const struct tmpl *t, char *const *sets, size_t n_sets,
             struct cmp_stack **out, struct cfp_err *err)
{
  cleanup_free struct cmp_kv *params = NULL;
  cleanup_free char *file = xasprintf ("%s/compose.yml", t->name);
  struct cmp_params p;
  struct cmp_stack *s = NULL;
  int rc;

  params = xcalloc (t->n_params + 1, sizeof *params);
  rc = build_params (t, sets, n_sets, params, err);
  p.items = params;
  p.n = t->n_params;
  if (rc == 0)
    rc = compose_parse (t->compose, t->compose_len, file, &p, &s, err);
  for (size_t i = 0; i < t->n_params; i++)
    free (params[i].value);
  if (rc < 0)
    return rc;
  rc = check_against_meta (t, s, err);
  if (rc < 0)
    {
      compose_free (s);
      return rc;
    }
  *out = s;
  return 0;
}
