/* Compose file -> JSON document with positions.
 *
 * yaml.c does the loading and the resolving; this file only converts the
 * resolved document, giving each scalar its core-schema type and
 * interpolating scalar values.  Interpolation never decides a type: a
 * value that `${...}` changed is a string, so `replicas: ${N}` stays "3"
 * and a parameter cannot turn into a boolean behind the policy's back.
 *
 * Aliases and interpolation can make the tree far larger than the text
 * (a 60 KiB string aliased 50000 times is 3 GB), so the bytes of strings,
 * keys and pointers together are bounded by LOAD_MAX_EXPANDED. */
#include "compose/load.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compose/yaml.h"

#define LOAD_MAX_EXPANDED (16 * COMPOSE_MAX_BYTES)

struct lctx
{
  const char *file;
  const struct cmp_params *params;
  struct cfp_err *err;
  struct cmp_doc *doc;
  size_t cap_pos;
  size_t budget; /* bytes left under LOAD_MAX_EXPANDED */
  char raw[100];
};

/* A scalar as libfyaml read it. */
struct scalar
{
  const char *text; /* not NUL-terminated */
  size_t len;
  char tag[8]; /* standard tag name ("int"), "" when untagged */
  bool plain;
  struct cmp_pos pos;
};

/* jansson returns NULL only without memory once inputs are checked; like
 * xmalloc(), give up. */
static json_t *
jnew (json_t *j)
{
  if (j == NULL)
    abort ();
  return j;
}

/* --- messages ---------------------------------------------------------- */

static int __attribute__ ((format (printf, 3, 4)))
report (struct lctx *c, struct cmp_pos pos, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = compose_vreport (c->err, c->file, pos, fmt, ap);
  va_end (ap);
  return rc;
}

/* The text as written, cut short, for messages: never interpolated, as a
 * parameter may be a secret. */
static const char *
raw (struct lctx *c, const struct scalar *sc)
{
  snprintf (c->raw, sizeof c->raw, "%.*s%s", (int)(sc->len > 80 ? 80 : sc->len),
            sc->text, sc->len > 80 ? "..." : "");
  return c->raw;
}

static int
spend (struct lctx *c, size_t n, struct cmp_pos pos)
{
  if (n <= c->budget)
    {
      c->budget -= n;
      return 0;
    }
  return report (c, pos,
                 "the document is larger than the limit of %d bytes with "
                 "aliases and variables expanded",
                 LOAD_MAX_EXPANDED);
}

/* --- positions --------------------------------------------------------- */

/* Takes ownership of `pointer`. */
static void
add_pos (struct lctx *c, char *pointer, struct cmp_pos pos)
{
  struct cmp_doc *d = c->doc;

  if (d->n_pos == c->cap_pos)
    {
      c->cap_pos = c->cap_pos ? 2 * c->cap_pos : 64;
      d->pos = xrealloc (d->pos, c->cap_pos * sizeof *d->pos);
    }
  d->pos[d->n_pos++] = (struct cmp_posent){ pointer, pos };
}

static int
posent_cmp (const void *a, const void *b)
{
  return strcmp (((const struct cmp_posent *)a)->pointer,
                 ((const struct cmp_posent *)b)->pointer);
}

/* --- scalars ----------------------------------------------------------- */

static bool
is_digits (const char *s, const char *set)
{
  return *s != '\0' && s[strspn (s, set)] == '\0';
}

/* YAML 1.2 core schema: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool
is_float (const char *s)
{
  size_t before, after = 0;

  s += *s == '-' || *s == '+';
  before = strspn (s, "0123456789");
  s += before;
  if (*s == '.')
    {
      after = strspn (s + 1, "0123456789");
      s += 1 + after;
    }
  if (before == 0 && after == 0)
    return false;
  if (*s == 'e' || *s == 'E')
    {
      s++;
      s += *s == '-' || *s == '+';
      return is_digits (s, "0123456789");
    }
  return *s == '\0';
}

/* Returns 1 with *out set, or an error. */
static int
make_int (struct lctx *c, const struct scalar *sc, const char *s, int base,
          json_t **out)
{
  long long v;

  errno = 0;
  v = strtoll (s, NULL, base);
  if (errno == ERANGE)
    return report (c, sc->pos, "integer `%s` is out of range", raw (c, sc));
  *out = jnew (json_integer (v));
  return 1;
}

static int
make_float (struct lctx *c, const struct scalar *sc, const char *s,
            json_t **out)
{
  double v = strtod (s, NULL);

  if (!isfinite (v))
    return report (c, sc->pos, "number `%s` is out of range", raw (c, sc));
  *out = jnew (json_real (v));
  return 1;
}

static bool
is_one_of (const char *s, const char *const *words)
{
  for (; *words != NULL; words++)
    if (strcmp (s, *words) == 0)
      return true;
  return false;
}

/* Types `s` by the YAML 1.2 core schema.  Returns 1 with *out set, 0 when
 * `s` is a string, or an error. */
static int
core_value (struct lctx *c, const struct scalar *sc, const char *s,
            json_t **out)
{
  static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
  static const char *const trues[] = { "true", "True", "TRUE", NULL };
  static const char *const falses[] = { "false", "False", "FALSE", NULL };
  static const char *const nonfinite[]
      = { ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL };
  const char *unsigned_ = s + (*s == '-' || *s == '+');

  *out = NULL;
  if (is_one_of (s, nulls))
    *out = jnew (json_null ());
  else if (is_one_of (s, trues) || is_one_of (s, falses))
    *out = jnew (json_boolean (is_one_of (s, trues)));
  else if (is_digits (unsigned_, "0123456789"))
    return make_int (c, sc, s, 10, out);
  else if (strncmp (s, "0o", 2) == 0 && is_digits (s + 2, "01234567"))
    return make_int (c, sc, s + 2, 8, out);
  else if (strncmp (s, "0x", 2) == 0
           && is_digits (s + 2, "0123456789abcdefABCDEF"))
    return make_int (c, sc, s + 2, 16, out);
  else if (is_float (s))
    return make_float (c, sc, s, out);
  else if (is_one_of (unsigned_, nonfinite))
    return report (c, sc->pos,
                   "`%s` is not a finite number, which JSON cannot hold",
                   raw (c, sc));
  return *out != NULL ? 1 : 0;
}

/* A scalar with an explicit !!int, !!float, !!bool or !!null: the text as
 * written must be one. */
static int
tagged_value (struct lctx *c, const struct scalar *sc, const char *s,
              json_t **out)
{
  int rc = core_value (c, sc, s, out);
  bool ok = false;

  if (rc < 0)
    return rc;
  if (rc == 1)
    ok = strcmp (sc->tag, "null") == 0   ? json_is_null (*out)
         : strcmp (sc->tag, "bool") == 0 ? json_is_boolean (*out)
         : strcmp (sc->tag, "int") == 0  ? json_is_integer (*out)
                                         : json_is_number (*out);
  if (ok && json_is_integer (*out) && strcmp (sc->tag, "float") == 0)
    {
      json_t *r = jnew (json_real ((double)json_integer_value (*out)));

      json_decref (*out);
      *out = r;
    }
  if (ok)
    return 0;
  json_decref (*out);
  *out = NULL;
  return report (c, sc->pos, "`%s` is not a valid `!!%s`", raw (c, sc),
                 sc->tag);
}

static int
read_scalar (struct lctx *c, struct fy_node *n, struct cmp_pos fallback,
             struct scalar *sc)
{
  static const char std[] = "tag:yaml.org,2002:";
  size_t tag_len = 0;
  const char *tag = fy_node_get_tag (n, &tag_len);

  sc->text = fy_node_get_scalar (n, &sc->len);
  if (sc->text == NULL)
    sc->text = "";
  /* yaml.c let through only the standard tags; the text is not
   * NUL-terminated. */
  sc->tag[0] = '\0';
  if (tag != NULL && tag_len >= sizeof std - 1)
    snprintf (sc->tag, sizeof sc->tag, "%.*s",
              (int)(tag_len - (sizeof std - 1)), tag + sizeof std - 1);
  sc->plain = fy_node_get_style (n) == FYNS_PLAIN;
  sc->pos = compose_yaml_pos (n);
  if (sc->pos.line == 0)
    sc->pos = fallback;
  if (memchr (sc->text, '\0', sc->len) != NULL)
    return report (c, sc->pos, "a scalar contains a NUL character");
  if (sc->len > COMPOSE_MAX_SCALAR)
    return report (c, sc->pos, "a scalar is longer than the limit of %d bytes",
                   COMPOSE_MAX_SCALAR);
  return 0;
}

static int
interpolate (struct lctx *c, const struct scalar *sc, const char *in,
             char **out)
{
  char msg[CFP_ERR_MAX];

  if (compose_interpolate (in, c->params, out, c->err) == 0)
    return 0;
  snprintf (msg, sizeof msg, "%s", c->err->msg);
  return report (c, sc->pos, "%s", msg);
}

static int
convert_scalar (struct lctx *c, struct fy_node *n, struct cmp_pos fallback,
                json_t **out)
{
  cleanup_free char *text = NULL;
  cleanup_free char *value = NULL;
  struct scalar sc;
  int rc;

  if (read_scalar (c, n, fallback, &sc) < 0)
    return -CFP_E_INVALID;
  text = xstrndup (sc.text, sc.len);
  if (interpolate (c, &sc, text, &value) < 0)
    return -CFP_E_INVALID;
  if (sc.tag[0] != '\0' && strcmp (sc.tag, "str") != 0)
    return tagged_value (c, &sc, text, out);
  if (sc.tag[0] == '\0' && sc.plain && strcmp (text, value) == 0)
    {
      rc = core_value (c, &sc, text, out);
      if (rc != 0)
        return rc < 0 ? rc : 0;
    }
  if (spend (c, strlen (value), sc.pos) < 0)
    return -CFP_E_INVALID;
  *out = json_string (value);
  if (*out == NULL)
    return report (c, sc.pos, "`%s` is not valid UTF-8 once interpolated",
                   raw (c, &sc));
  return 0;
}

/* --- collections ------------------------------------------------------- */

static int convert (struct lctx *c, struct fy_node *n, const char *pointer,
                    struct cmp_pos pos, json_t **out);

/* A mapping key: a scalar, never interpolated. */
static int
read_key (struct lctx *c, struct fy_node *k, struct cmp_pos fallback,
          char **out)
{
  struct scalar sc;

  if (k == NULL)
    return report (c, fallback, "a mapping key is empty");
  if (!fy_node_is_scalar (k))
    return report (c,
                   compose_yaml_pos (k).line ? compose_yaml_pos (k) : fallback,
                   "a mapping key must be a string, not a %s",
                   fy_node_is_mapping (k) ? "mapping" : "sequence");
  if (read_scalar (c, k, fallback, &sc) < 0)
    return -CFP_E_INVALID;
  if (sc.len == 0 && sc.plain)
    return report (c, sc.pos, "a mapping key is empty");
  if (spend (c, sc.len, sc.pos) < 0)
    return -CFP_E_INVALID;
  *out = xstrndup (sc.text, sc.len);
  if (!utf8_valid (*out))
    return report (c, sc.pos, "a key is not valid UTF-8");
  return 0;
}

static int
convert_member (struct lctx *c, json_t *obj, struct fy_node_pair *p,
                const char *pointer, struct cmp_pos parent)
{
  cleanup_free char *key = NULL;
  struct cmp_pos pos = compose_yaml_pos (fy_node_pair_key (p));
  char *child;
  json_t *v;

  /* A member brought in by `<<` (or through an alias) has the position of
   * its key in the anchored mapping it was copied from, not that of the
   * `<<`: the anchored text is what to change.  A key without text of its
   * own (an empty one) falls back to its mapping's position. */
  if (pos.line == 0)
    pos = parent;
  if (read_key (c, fy_node_pair_key (p), pos, &key) < 0)
    return -CFP_E_INVALID;
  /* yaml.c refused duplicate keys; merged keys are never duplicates. */
  if (json_object_get (obj, key) != NULL)
    return report (c, pos, "duplicate key `%.80s`", key);
  child = compose_pointer (pointer, key);
  add_pos (c, child, pos);
  if (spend (c, strlen (child), pos) < 0
      || convert (c, fy_node_pair_value (p), child, pos, &v) < 0)
    return -CFP_E_INVALID;
  json_object_set_new (obj, key, v);
  return 0;
}

static int
convert_mapping (struct lctx *c, struct fy_node *n, const char *pointer,
                 struct cmp_pos pos, json_t **out)
{
  struct fy_node_pair *p;
  void *it = NULL;

  *out = jnew (json_object ());
  while ((p = fy_node_mapping_iterate (n, &it)) != NULL)
    if (convert_member (c, *out, p, pointer, pos) < 0)
      return -CFP_E_INVALID;
  return 0;
}

static int
convert_sequence (struct lctx *c, struct fy_node *n, const char *pointer,
                  struct cmp_pos parent, json_t **out)
{
  struct fy_node *item;
  struct cmp_pos pos;
  void *it = NULL;
  char index[24];
  char *child;
  json_t *v;

  *out = jnew (json_array ());
  for (size_t i = 0; (item = fy_node_sequence_iterate (n, &it)) != NULL; i++)
    {
      pos = compose_yaml_pos (item);
      if (pos.line == 0)
        pos = parent;
      snprintf (index, sizeof index, "%zu", i);
      child = compose_pointer (pointer, index);
      add_pos (c, child, pos);
      if (spend (c, strlen (child), pos) < 0
          || convert (c, item, child, pos, &v) < 0)
        return -CFP_E_INVALID;
      json_array_append_new (*out, v);
    }
  return 0;
}

/* `pos`: where the member or item holding `n` is, for nodes that have no
 * text of their own (empty values and collections). */
static int
convert (struct lctx *c, struct fy_node *n, const char *pointer,
         struct cmp_pos pos, json_t **out)
{
  int rc = 0;

  *out = NULL;
  if (n == NULL)
    *out = jnew (json_null ());
  else if (fy_node_is_mapping (n))
    rc = convert_mapping (c, n, pointer, pos, out);
  else if (fy_node_is_sequence (n))
    rc = convert_sequence (c, n, pointer, pos, out);
  else
    rc = convert_scalar (c, n, pos, out);
  if (rc < 0)
    {
      json_decref (*out);
      *out = NULL;
    }
  return rc;
}

static int
convert_root (struct lctx *c, struct fy_node *root)
{
  struct cmp_pos pos = compose_yaml_pos (root);

  if (root == NULL || !fy_node_is_mapping (root))
    return report (c, pos.line ? pos : (struct cmp_pos){ 1, 1 },
                   "the top level must be a mapping");
  if (convert (c, root, "", (struct cmp_pos){ 1, 1 }, &c->doc->root) < 0)
    return -CFP_E_INVALID;
  if (c->doc->n_pos > 1)
    qsort (c->doc->pos, c->doc->n_pos, sizeof *c->doc->pos, posent_cmp);
  return 0;
}

/* --- exported ---------------------------------------------------------- */

int
compose_load (const char *text, size_t len, const char *file,
              const struct cmp_params *params, struct cmp_doc **out,
              struct cfp_err *err)
{
  struct cfp_err local;
  struct cmp_yaml *y = NULL;
  struct lctx c = { 0 };
  int rc;

  *out = NULL;
  c.doc = xcalloc (1, sizeof *c.doc);
  c.doc->file = xstrdup (file != NULL ? file : "compose.yml");
  c.file = c.doc->file;
  c.params = params;
  c.err = err != NULL ? err : &local;
  c.budget = LOAD_MAX_EXPANDED;
  rc = compose_yaml_load (text, len, c.file, CMP_YAML_MULTIDOC_POS, &y, c.err);
  if (rc == 0 && y == NULL)
    rc = report (&c, (struct cmp_pos){ 1, 1 }, "the file is empty");
  if (rc == 0)
    rc = convert_root (&c, compose_yaml_root (y));
  compose_yaml_free (y);
  if (rc == 0)
    *out = steal_pointer (&c.doc);
  compose_doc_free (c.doc);
  return rc;
}

void
compose_doc_free (struct cmp_doc *doc)
{
  if (doc == NULL)
    return;
  for (size_t i = 0; i < doc->n_pos; i++)
    free (doc->pos[i].pointer);
  free (doc->pos);
  json_decref (doc->root);
  free (doc->file);
  free (doc);
}

struct cmp_pos
compose_doc_pos (const struct cmp_doc *doc, const char *pointer)
{
  cleanup_free char *p = NULL;
  struct cmp_posent key, *hit;
  char *slash;

  if (doc == NULL || pointer == NULL || doc->n_pos == 0)
    return (struct cmp_pos){ 0, 0 };
  p = xstrdup (pointer);
  key.pointer = p;
  /* Each step drops the last reference token: the nearest ancestor. */
  while (*p != '\0')
    {
      hit = bsearch (&key, doc->pos, doc->n_pos, sizeof *doc->pos, posent_cmp);
      if (hit != NULL)
        return hit->pos;
      slash = strrchr (p, '/');
      if (slash == NULL)
        break;
      *slash = '\0';
    }
  return (struct cmp_pos){ 0, 0 };
}

char *
compose_pointer (const char *base, const char *token)
{
  struct buf b;

  buf_init (&b, 0);
  buf_puts (&b, base != NULL ? base : "");
  buf_puts (&b, "/");
  for (const char *t = token; *t; t++)
    if (*t == '~')
      buf_puts (&b, "~0");
    else if (*t == '/')
      buf_puts (&b, "~1");
    else
      buf_append (&b, t, 1);
  return buf_steal (&b);
}
