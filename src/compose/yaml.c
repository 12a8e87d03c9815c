/* YAML text -> resolved libfyaml document, for both compose front ends.
 *
 * libfyaml parses; the rest is done here, because libfyaml 0.7.12 falls
 * short in ways that matter for untrusted files:
 *   - it finds duplicate keys by comparing each key with every earlier
 *     one: a 20000-key mapping takes a minute.  The parser runs with
 *     FYPCF_ALLOW_DUPLICATE_KEYS and check_keys() uses a hash set;
 *   - it keeps a document's anchors in a list that it searches for every
 *     node it copies or frees, and for every alias: 80000 anchors take
 *     minutes.  Anchors are counted on the event stream before a document
 *     is built (count_anchors()), and found through node meta data;
 *   - invalid UTF-8 in a key or a comment makes it return no document and
 *     no error, and a surrogate in a plain scalar becomes an empty string:
 *     the text is checked first (check_chars());
 *   - fy_document_resolve() leaves `<<: {inline: map}` unmerged, leaves an
 *     alias unresolved in `<<: [*a, {b: 1}]`, puts merged keys in reverse
 *     order and follows aliases to anchors defined after them: resolve()
 *     builds the resolved document itself, as a new one.
 * The bounds on nodes and depth are taken on the unexpanded document, so
 * an alias bomb is refused after at most COMPOSE_MAX_NODES steps and
 * before anything is copied. */
#include "compose/yaml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"

/* See count_anchors() and copy_scalar(). */
#define YAML_MAX_ANCHORS 256
#define YAML_MAX_ANCHOR_COPIES 1024

struct cmp_yaml
{
  struct fy_diag *diag;
  struct fy_parser *fyp;
  struct fy_document *src; /* as parsed; its nodes back `doc`'s tokens */
  struct fy_document *doc; /* resolved */
  bool direct;         /* no anchors and no merge keys: src is used as it is */
  char diag_text[256]; /* uncollected libfyaml output, first line */
};

/* A map from texts (keys, anchor names) to nodes, open addressing; the
 * texts belong to libfyaml. */
struct kslot
{
  const char *s;
  size_t len;
  struct fy_node *node;
};

struct keyset
{
  struct kslot *slot;
  size_t cap, n;
};

struct yctx
{
  const char *file;
  unsigned flags;
  struct cfp_err *err;
  struct cmp_yaml *y;
  struct keyset anchors;     /* anchor -> node, as met in document order */
  size_t nodes;              /* counted by check_node(), aliases expanded */
  struct fy_node *expanding; /* the alias written in the text that
                                check_node() or resolve() is expanding */
  size_t anchor_copies;      /* anchored scalars copied by resolve() */
  size_t n_anchors;          /* counted by count_anchors() */
  size_t n_merges;           /* merge keys met by check_keys() */
  struct fy_node *chain[COMPOSE_MAX_DEPTH + 1]; /* ancestors */
  char raw[100];
};

/* --- positions and messages ------------------------------------------ */

/* `at_quote`: a quoted scalar starts at its opening quote and an alias at
 * its `*`, not one character later where libfyaml marks them. */
static struct cmp_pos
node_pos (struct fy_node *n, bool at_quote)
{
  struct cmp_pos pos = { 0, 0 };
  struct fy_node_pair *p;
  const struct fy_mark *m = NULL;
  enum fy_node_style style;
  void *it = NULL;

  if (n == NULL)
    return pos;
  switch (fy_node_get_type (n))
    {
    case FYNT_SCALAR:
      if (fy_node_get_scalar_token (n) != NULL)
        m = fy_token_start_mark (fy_node_get_scalar_token (n));
      if (m == NULL)
        return pos;
      pos = (struct cmp_pos){ (unsigned)m->line + 1, (unsigned)m->column + 1 };
      style = fy_node_get_style (n);
      if (at_quote && pos.col > 1
          && (style == FYNS_SINGLE_QUOTED || style == FYNS_DOUBLE_QUOTED
              || style == FYNS_ALIAS))
        pos.col--;
      return pos;
    case FYNT_SEQUENCE:
      return node_pos (fy_node_sequence_iterate (n, &it), at_quote);
    case FYNT_MAPPING:
      p = fy_node_mapping_iterate (n, &it);
      return p ? node_pos (fy_node_pair_key (p), at_quote) : pos;
    }
  return pos;
}

struct cmp_pos
compose_yaml_pos (struct fy_node *n)
{
  return node_pos (n, true);
}

struct cmp_pos
compose_yaml_mark (struct fy_node *n)
{
  return node_pos (n, false);
}

int
compose_vreport (struct cfp_err *err, const char *file, struct cmp_pos pos,
                 const char *fmt, va_list ap)
{
  char msg[CFP_ERR_MAX];
  char where[64] = "";

  vsnprintf (msg, sizeof msg, fmt, ap);
  if (pos.line > 0)
    snprintf (where, sizeof where, ":%u:%u", pos.line, pos.col);
  cfp_err_set (err, CFP_E_INVALID, "%s%s: %s", file, where, msg);
  /* One line: control characters from the file become '?'. */
  for (char *s = err->msg; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      *s = '?';
  return -CFP_E_INVALID;
}

static int __attribute__ ((format (printf, 3, 4)))
report (struct yctx *c, struct cmp_pos pos, const char *fmt, ...)
{
  va_list ap;
  int rc;

  va_start (ap, fmt);
  rc = compose_vreport (c->err, c->file, pos, fmt, ap);
  va_end (ap);
  return rc;
}

static int
out_of_memory (struct yctx *c)
{
  return report (c, (struct cmp_pos){ 0, 0 },
                 "libfyaml failed while resolving the YAML");
}

/* Reports at node `n`, or at its nearest ancestor with a position when it
 * has none (an empty collection or scalar). */
#define fail(c, n, depth, ...)                                                 \
  report ((c), pos_near ((c), (n), (depth)), __VA_ARGS__)

static struct cmp_pos
pos_near (struct yctx *c, struct fy_node *n, unsigned depth)
{
  struct cmp_pos pos = compose_yaml_pos (n);

  while (pos.line == 0 && depth-- > 0)
    pos = compose_yaml_pos (c->chain[depth]);
  return pos;
}

/* A scalar's text as written, cut short, for messages. */
static const char *
raw (struct yctx *c, struct fy_node *n)
{
  return compose_yaml_raw (n, c->raw, sizeof c->raw);
}

const char *
compose_yaml_raw (struct fy_node *n, char *buf, size_t size)
{
  const char *s = NULL;
  size_t len = 0;

  if (n != NULL && fy_node_is_scalar (n))
    s = fy_node_get_scalar (n, &len);
  if (s == NULL)
    return "";
  snprintf (buf, size, "%.*s%s", (int)(len > 80 ? 80 : len), s,
            len > 80 ? "..." : "");
  return buf;
}

/* --- the text ---------------------------------------------------------- */

/* The length of the UTF-8 sequence that byte `b` starts, 0 if none. */
static size_t
utf8_seq_len (unsigned char b)
{
  if (b < 0x80)
    return 1;
  if ((b & 0xe0) == 0xc0)
    return 2;
  if ((b & 0xf0) == 0xe0)
    return 3;
  return (b & 0xf8) == 0xf0 ? 4 : 0;
}

/* Columns count characters, as libfyaml's do, after a byte order mark. */
static int
check_chars (struct yctx *c, const char *text, size_t len)
{
  struct cmp_pos pos = { 1, 1 };
  size_t i = len >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
  char ch[5];
  size_t n;

  for (; i < len; i += n, pos.col++)
    {
      n = utf8_seq_len ((unsigned char)text[i]);
      if (text[i] == '\0')
        return report (c, pos, "NUL byte in the file");
      if (n > 1 && n <= len - i)
        {
          memcpy (ch, text + i, n);
          ch[n] = '\0';
        }
      if (n == 0 || n > len - i || (n > 1 && !utf8_valid (ch)))
        return report (c, pos, "invalid UTF-8 (byte 0x%02x)",
                       (unsigned char)text[i]);
      if (text[i] == '\n')
        pos = (struct cmp_pos){ pos.line + 1, 0 };
    }
  return 0;
}

static int
check_text (struct yctx *c, const char *text, size_t len)
{
  if (len > COMPOSE_MAX_BYTES)
    return report (c, (struct cmp_pos){ 0, 0 },
                   "the file is %zu bytes, over the limit of %d", len,
                   COMPOSE_MAX_BYTES);
  return check_chars (c, text, len);
}

/* --- key sets ---------------------------------------------------------- */

static size_t
key_hash (const char *s, size_t len)
{
  size_t h = 14695981039346656037ULL;

  for (size_t i = 0; i < len; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

static struct kslot *
keyset_find (const struct keyset *ks, const char *s, size_t len)
{
  size_t i = key_hash (s, len) & (ks->cap - 1);

  while (ks->slot[i].s != NULL
         && (ks->slot[i].len != len || memcmp (ks->slot[i].s, s, len) != 0))
    i = (i + 1) & (ks->cap - 1);
  return &ks->slot[i];
}

static void
keyset_grow (struct keyset *ks)
{
  struct keyset bigger = { NULL, ks->cap ? 2 * ks->cap : 16, 0 };

  bigger.slot = xcalloc (bigger.cap, sizeof *bigger.slot);
  for (size_t i = 0; i < ks->cap; i++)
    if (ks->slot[i].s != NULL)
      *keyset_find (&bigger, ks->slot[i].s, ks->slot[i].len) = ks->slot[i];
  bigger.n = ks->n;
  free (ks->slot);
  *ks = bigger;
}

/* Adds the text; returns false when it was there already. */
static bool
keyset_add (struct keyset *ks, const char *s, size_t len)
{
  struct kslot *slot;

  if (2 * (ks->n + 1) > ks->cap)
    keyset_grow (ks);
  slot = keyset_find (ks, s, len);
  if (slot->s != NULL)
    return false;
  *slot = (struct kslot){ s, len, NULL };
  ks->n++;
  return true;
}

/* Maps the text to `node`, replacing what it mapped to. */
static void
keyset_put (struct keyset *ks, const char *s, size_t len, struct fy_node *node)
{
  keyset_add (ks, s, len);
  keyset_find (ks, s, len)->node = node;
}

static bool
keyset_has (const struct keyset *ks, const char *s, size_t len)
{
  return ks->cap > 0 && keyset_find (ks, s, len)->s != NULL;
}

/* The node an alias stands for, as check_alias() found it; other nodes
 * stand for themselves.  (fy_node_resolve_alias() searches the list of
 * anchors, which is quadratic over a file of aliases.) */
static struct fy_node *
deref (struct fy_node *n)
{
  return n != NULL && fy_node_is_alias (n) ? fy_node_get_meta (n) : n;
}

/* The text of a scalar key, through an alias; false for other keys. */
static bool
key_text (struct fy_node *k, const char **s, size_t *len)
{
  k = deref (k);
  if (k == NULL || !fy_node_is_scalar (k))
    return false;
  *s = fy_node_get_scalar (k, len);
  if (*s == NULL)
    *s = "";
  return true;
}

/* --- bounds, tags, aliases, duplicates --------------------------------- */

/* The node type each standard tag belongs on. */
static const struct
{
  const char *name;
  enum fy_node_type type;
} std_tags[] = {
  { "str", FYNT_SCALAR },   { "int", FYNT_SCALAR },  { "float", FYNT_SCALAR },
  { "bool", FYNT_SCALAR },  { "null", FYNT_SCALAR }, { "map", FYNT_MAPPING },
  { "seq", FYNT_SEQUENCE },
};

/* Refuses Compose's `!reset` and `!override` and every tag but the
 * standard ones, and a standard tag on the wrong kind of node. */
static int
check_tag (struct yctx *c, struct fy_node *n, unsigned depth)
{
  static const char std[] = "tag:yaml.org,2002:";
  const size_t std_len = sizeof std - 1;
  size_t len = 0;
  const char *tag = fy_node_get_tag (n, &len);

  if (tag == NULL)
    return 0;
  if (len > std_len && memcmp (tag, std, std_len) == 0)
    for (size_t i = 0; i < sizeof std_tags / sizeof *std_tags; i++)
      if (len - std_len == strlen (std_tags[i].name)
          && memcmp (tag + std_len, std_tags[i].name, len - std_len) == 0)
        return std_tags[i].type == fy_node_get_type (n)
                   ? 0
                   : fail (c, n, depth, "YAML tag `!!%s` on a %s",
                           std_tags[i].name,
                           fy_node_is_scalar (n)    ? "scalar"
                           : fy_node_is_mapping (n) ? "mapping"
                                                    : "sequence");
  return fail (c, n, depth, "YAML tag `%.*s` is not supported",
               (int)(len > 60 ? 60 : len), tag);
}

static int check_node (struct yctx *c, struct fy_node *n, unsigned depth,
                       bool expanded);

/* An alias stands for the latest node before it with that anchor. */
static struct fy_node *
alias_target (struct yctx *c, struct fy_node *n)
{
  const char *name;
  size_t len = 0;

  name = fy_node_get_scalar (n, &len);
  if (name == NULL || c->anchors.cap == 0)
    return NULL;
  return keyset_find (&c->anchors, name, len)->node;
}

static int
check_alias (struct yctx *c, struct fy_node *n, unsigned depth, bool expanded)
{
  /* Inside an expansion every alias has been met where it was written. */
  struct fy_node *target = expanded ? deref (n) : alias_target (c, n);
  int rc;

  if (target == NULL && fy_node_resolve_alias (n) != NULL)
    return fail (c, n, depth,
                 "alias `*%s` refers to an anchor defined after it",
                 raw (c, n));
  if (target == NULL)
    return fail (c, n, depth, "unknown alias `*%s`", raw (c, n));
  for (unsigned i = 0; i < depth; i++)
    if (c->chain[i] == target)
      return fail (c, n, depth, "alias `*%s` refers to a node that contains it",
                   raw (c, n));
  if (expanded)
    return check_node (c, target, depth + 1, true);
  if (fy_node_set_meta (n, target) != 0)
    return out_of_memory (c);
  c->expanding = n;
  rc = check_node (c, target, depth + 1, true);
  c->expanding = NULL;
  return rc;
}

/* Records the node's anchor, if it has one (see find_anchors()): aliases
 * after it refer to it until the anchor is defined again. */
static void
define_anchor (struct yctx *c, struct fy_node *n)
{
  struct fy_anchor *a = fy_node_get_meta (n);
  const char *name;
  size_t len = 0;

  if (a == NULL || (name = fy_anchor_get_text (a, &len)) == NULL)
    return;
  keyset_put (&c->anchors, name, len, n);
}

/* Gives each anchored node its anchor as meta data, so that finding it
 * does not search the document's list of anchors (fy_node_get_anchor()
 * would, for every node). */
static int
find_anchors (struct yctx *c, struct fy_document *doc)
{
  struct fy_anchor *a;
  void *it = NULL;

  while ((a = fy_document_anchor_iterate (doc, &it)) != NULL)
    if (fy_node_set_meta (fy_anchor_node (a), a) != 0)
      return out_of_memory (c);
  return 0;
}

/* A plain, untagged `<<` (a quoted one is an ordinary key). */
static bool
is_merge_key (struct fy_node *k)
{
  const char *s;
  size_t len = 0;

  if (k == NULL || !fy_node_is_scalar (k) || fy_node_is_alias (k)
      || fy_node_get_style (k) != FYNS_PLAIN
      || fy_node_get_tag (k, &len) != NULL)
    return false;
  s = fy_node_get_scalar (k, &len);
  return len == 2 && memcmp (s, "<<", 2) == 0;
}

/* A merge key is not a member: `<<` and "<<" may stand side by side, two
 * `<<` may not. */
static bool
is_duplicate (struct keyset *ks, bool *merge, size_t *merges, struct fy_node *k)
{
  const char *s;
  size_t len;

  if (!is_merge_key (k))
    return key_text (k, &s, &len) && !keyset_add (ks, s, len);
  (*merges)++;
  if (*merge)
    return true;
  *merge = true;
  return false;
}

/* Refuses two keys with the same text: for JSON, and for Compose, `1` and
 * "1" are the same key. */
static int
check_keys (struct yctx *c, struct fy_node *map, unsigned depth)
{
  struct keyset ks = { 0 };
  struct fy_node_pair *p;
  bool merge = false;
  void *it = NULL;
  int rc = 0;

  while ((p = fy_node_mapping_iterate (map, &it)) != NULL)
    if (is_duplicate (&ks, &merge, &c->n_merges, fy_node_pair_key (p)))
      {
        rc = fail (c, fy_node_pair_key (p), depth + 1,
                   "YAML syntax error: duplicate key `%s`",
                   raw (c, fy_node_pair_key (p)));
        break;
      }
  free (ks.slot);
  return rc;
}

static int
check_children (struct yctx *c, struct fy_node *n, unsigned depth,
                bool expanded)
{
  struct fy_node_pair *p;
  struct fy_node *item;
  void *it = NULL;

  /* Keys are compared once visited: an alias key has its target then
   * (see deref()). */
  if (fy_node_is_mapping (n))
    {
      while ((p = fy_node_mapping_iterate (n, &it)) != NULL)
        if (check_node (c, fy_node_pair_key (p), depth + 1, expanded) < 0
            || check_node (c, fy_node_pair_value (p), depth + 1, expanded) < 0)
          return -CFP_E_INVALID;
      return check_keys (c, n, depth);
    }
  if (fy_node_is_sequence (n))
    while ((item = fy_node_sequence_iterate (n, &it)) != NULL)
      if (check_node (c, item, depth + 1, expanded) < 0)
        return -CFP_E_INVALID;
  return 0;
}

/* Bounds the document as resolving would expand it.  `expanded`: reached
 * through an alias rather than where it is written. */
static int
check_node (struct yctx *c, struct fy_node *n, unsigned depth, bool expanded)
{
  /* Past a limit inside an expansion, the alias is what to point at. */
  struct fy_node *at = c->expanding != NULL ? c->expanding : n;

  if (n == NULL)
    return 0;
  if (depth >= COMPOSE_MAX_DEPTH)
    return fail (c, at, depth,
                 "nested deeper than the limit of %d levels (aliases "
                 "expanded)",
                 COMPOSE_MAX_DEPTH);
  if (++c->nodes > COMPOSE_MAX_NODES)
    return fail (c, at, depth,
                 "more than the limit of %d YAML nodes (aliases "
                 "expanded)",
                 COMPOSE_MAX_NODES);
  if (check_tag (c, n, depth) < 0)
    return -CFP_E_INVALID;
  c->chain[depth] = n;
  if (fy_node_is_alias (n))
    return check_alias (c, n, depth, expanded);
  if (!expanded)
    define_anchor (c, n);
  return check_children (c, n, depth, expanded);
}

/* --- resolving --------------------------------------------------------- */

/* The keys a mapping sets itself, and those of the mappings it is merged
 * into: none of them may come in through its own `<<`. */
struct scope
{
  const struct keyset *keys;
  const struct scope *up;
};

static int resolve (struct yctx *c, struct fy_node *n, struct fy_node **out);
static int merge_pairs (struct yctx *c, struct fy_node *map,
                        struct fy_node *out, struct keyset *added,
                        const struct scope *up);

static bool
in_scope (const struct scope *sc, struct fy_node *k)
{
  const char *s;
  size_t len;

  if (!key_text (k, &s, &len))
    return false;
  for (; sc != NULL; sc = sc->up)
    if (keyset_has (sc->keys, s, len))
      return true;
  return false;
}

static int
append_pair (struct yctx *c, struct fy_node *out, struct fy_node *k,
             struct fy_node *v)
{
  struct fy_node *rk = NULL, *rv = NULL;

  if (resolve (c, k, &rk) < 0 || resolve (c, v, &rv) < 0)
    {
      fy_node_free (rk);
      return -CFP_E_INVALID;
    }
  if (fy_node_mapping_append (out, rk, rv) == 0)
    return 0;
  fy_node_free (rk);
  fy_node_free (rv);
  return out_of_memory (c);
}

/* `<<: *a`, `<<: {a: 1}` or `<<: [*a, *b]`: earlier mappings win. */
static int
merge_value (struct yctx *c, struct fy_node *key, struct fy_node *v,
             struct fy_node *out, struct keyset *added, const struct scope *sc)
{
  struct fy_node *item;
  void *it = NULL;

  v = deref (v);
  if (v != NULL && fy_node_is_mapping (v))
    return merge_pairs (c, v, out, added, sc);
  if (v == NULL || !fy_node_is_sequence (v))
    return report (c, compose_yaml_pos (key),
                   "the value of `<<` must be a mapping or a list of "
                   "mappings");
  while ((item = fy_node_sequence_iterate (v, &it)) != NULL)
    {
      if (deref (item) == NULL || !fy_node_is_mapping (deref (item)))
        return report (c, compose_yaml_pos (key),
                       "the value of `<<` must be a mapping or a list of "
                       "mappings");
      if (merge_pairs (c, deref (item), out, added, sc) < 0)
        return -CFP_E_INVALID;
    }
  return 0;
}

/* Appends to `out` the members of `map` whose keys are not in `added` nor
 * in scope `up`, with its merge keys expanded in place. */
static int
merge_pairs (struct yctx *c, struct fy_node *map, struct fy_node *out,
             struct keyset *added, const struct scope *up)
{
  struct keyset own = { 0 };
  struct scope sc = { &own, up };
  struct fy_node_pair *p;
  struct fy_node *k;
  const char *s;
  size_t len;
  void *it = NULL;
  int rc = 0;

  while ((p = fy_node_mapping_iterate (map, &it)) != NULL)
    if (!is_merge_key (fy_node_pair_key (p))
        && key_text (fy_node_pair_key (p), &s, &len))
      keyset_add (&own, s, len);
  it = NULL;
  while (rc == 0 && (p = fy_node_mapping_iterate (map, &it)) != NULL)
    {
      k = fy_node_pair_key (p);
      if (is_merge_key (k))
        rc = merge_value (c, k, fy_node_pair_value (p), out, added, &sc);
      else if (!key_text (k, &s, &len))
        rc = append_pair (c, out, k, fy_node_pair_value (p));
      else if (!in_scope (up, k) && keyset_add (added, s, len))
        rc = append_pair (c, out, k, fy_node_pair_value (p));
    }
  free (own.slot);
  return rc;
}

static int
resolve_sequence (struct yctx *c, struct fy_node *n, struct fy_node *out)
{
  struct fy_node *item, *r;
  void *it = NULL;

  while ((item = fy_node_sequence_iterate (n, &it)) != NULL)
    {
      if (resolve (c, item, &r) < 0)
        return -CFP_E_INVALID;
      if (fy_node_sequence_append (out, r) != 0)
        {
          fy_node_free (r);
          return out_of_memory (c);
        }
    }
  return 0;
}

/* The copy keeps the scalar's token, so its text, style, tag and position.
 * It keeps its anchor too, which libfyaml cannot remove (in 0.7.12
 * fy_node_remove_anchor() does nothing to a node that has one), and each
 * anchor in the new document slows every free in it: hence the bound. */
static int
copy_scalar (struct yctx *c, struct fy_node *n, struct fy_node **out)
{
  if (fy_node_get_meta (n) != NULL
      && ++c->anchor_copies > YAML_MAX_ANCHOR_COPIES)
    return report (c, compose_yaml_pos (c->expanding ? c->expanding : n),
                   "anchored values are copied more than the limit of %d "
                   "times (aliases expanded)",
                   YAML_MAX_ANCHOR_COPIES);
  *out = fy_node_copy (c->y->doc, n);
  return *out != NULL ? 0 : out_of_memory (c);
}

static int
resolve_collection (struct yctx *c, struct fy_node *n, struct fy_node **out)
{
  struct keyset added = { 0 };
  int rc;

  if (fy_node_is_sequence (n))
    *out = fy_node_create_sequence (c->y->doc);
  else
    *out = fy_node_create_mapping (c->y->doc);
  if (*out == NULL)
    return out_of_memory (c);
  if (fy_node_is_sequence (n))
    rc = resolve_sequence (c, n, *out);
  else
    rc = merge_pairs (c, n, *out, &added, NULL);
  free (added.slot);
  if (rc < 0)
    {
      fy_node_free (*out);
      *out = NULL;
    }
  return rc;
}

/* Builds the resolved copy of `n` in the new document.  check_node() has
 * bounded the expansion and refused cycles, so this terminates. */
static int
resolve (struct yctx *c, struct fy_node *n, struct fy_node **out)
{
  int rc;

  *out = NULL;
  if (n != NULL && fy_node_is_alias (n) && c->expanding == NULL)
    {
      c->expanding = n;
      rc = resolve (c, deref (n), out);
      c->expanding = NULL;
      return rc;
    }
  n = deref (n);
  if (n == NULL)
    return 0;
  if (fy_node_is_scalar (n))
    return copy_scalar (c, n, out);
  return resolve_collection (c, n, out);
}

/* --- loading ----------------------------------------------------------- */

/* libfyaml writes here what it does not collect; keep the first line for
 * a message and print nothing. */
static void
diag_sink (struct fy_diag *diag, void *user, const char *buf, size_t len)
{
  struct cmp_yaml *y = user;
  size_t n = strcspn (buf, "\n");

  (void)diag;
  if (y->diag_text[0] != '\0')
    return;
  n = n < len ? n : len;
  snprintf (y->diag_text, sizeof y->diag_text, "%.*s", (int)n, buf);
}

/* libfyaml's diagnostic positions are 1-based already. */
static int
yaml_error (struct yctx *c, const char *what)
{
  struct fy_diag_error *e;
  void *it = NULL;

  while ((e = fy_diag_errors_iterate (c->y->diag, &it)) != NULL)
    if (e->type >= FYET_ERROR)
      return report (c,
                     (struct cmp_pos){ (unsigned)e->line, (unsigned)e->column },
                     "%s: %s", what, e->msg ? e->msg : "error");
  return report (c, (struct cmp_pos){ 0, 0 }, "%s: %s", what,
                 c->y->diag_text[0] ? c->y->diag_text : "failed");
}

static int
setup (struct yctx *c)
{
  struct cmp_yaml *y = c->y;
  struct fy_diag_cfg dcfg;
  struct fy_parse_cfg cfg = { 0 };

  fy_diag_cfg_default (&dcfg);
  dcfg.fp = NULL;
  dcfg.output_fn = diag_sink;
  dcfg.user = y;
  dcfg.colorize = false;
  dcfg.level = FYET_ERROR;
  y->diag = fy_diag_create (&dcfg);
  if (y->diag == NULL)
    return report (c, (struct cmp_pos){ 0, 0 }, "cannot set up libfyaml");
  fy_diag_set_collect_errors (y->diag, true);
  /* Duplicate keys: see check_keys(). */
  cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE
              | FYPCF_ALLOW_DUPLICATE_KEYS;
  cfg.diag = y->diag;
  y->fyp = fy_parser_create (&cfg);
  y->doc = fy_document_create (&cfg);
  if (y->fyp == NULL || y->doc == NULL)
    return report (c, (struct cmp_pos){ 0, 0 }, "cannot set up libfyaml");
  return 0;
}

static int
second_document (struct yctx *c, struct fy_document *extra)
{
  struct fy_document_state *st = fy_document_get_document_state (extra);
  const struct fy_mark *m = st ? fy_document_state_start_mark (st) : NULL;
  struct cmp_pos pos = { 0, 0 };

  if (m != NULL && (c->flags & CMP_YAML_MULTIDOC_POS))
    pos = (struct cmp_pos){ (unsigned)m->line + 1, (unsigned)m->column + 1 };
  fy_parse_document_destroy (c->y->fyp, extra);
  return report (c, pos, "more than one YAML document");
}

static struct fy_token *
event_anchor (struct fy_event *e)
{
  switch (e->type)
    {
    case FYET_SCALAR:
      return e->scalar.anchor;
    case FYET_MAPPING_START:
      return e->mapping_start.anchor;
    case FYET_SEQUENCE_START:
      return e->sequence_start.anchor;
    default:
      return NULL;
    }
}

/* libfyaml keeps a document's anchors in a list that it searches for
 * every node it copies or frees: a file of 80000 anchors takes minutes to
 * free.  So they are counted on the event stream, before any document is
 * built. */
static int
count_anchors (struct yctx *c)
{
  const struct fy_mark *m;
  struct fy_event *e;
  int rc = 0;

  while (rc == 0 && (e = fy_parser_parse (c->y->fyp)) != NULL)
    {
      if (event_anchor (e) != NULL && ++c->n_anchors > YAML_MAX_ANCHORS)
        {
          /* libfyaml marks the name, one column after the `&`. */
          m = fy_token_start_mark (event_anchor (e));
          rc = report (
              c,
              m ? (struct cmp_pos){ (unsigned)m->line + 1, (unsigned)m->column }
                : (struct cmp_pos){ 0, 0 },
              "more than the limit of %d anchors", YAML_MAX_ANCHORS);
        }
      fy_parser_event_free (c->y->fyp, e);
    }
  if (rc == 0 && fy_diag_got_error (c->y->diag))
    rc = yaml_error (c, "YAML syntax error");
  return rc;
}

/* Parses the single document of the text into y->src; leaves it NULL when
 * there is none. */
static int
parse (struct yctx *c, const char *text, size_t len)
{
  struct cmp_yaml *y = c->y;
  struct fy_document *extra;

  /* Without an '&' there is no anchor: the counting pass is skipped. */
  if (memchr (text, '&', len) != NULL)
    {
      if (fy_parser_set_string (y->fyp, text, len) != 0)
        return report (c, (struct cmp_pos){ 0, 0 }, "cannot read the YAML");
      if (count_anchors (c) < 0)
        return -CFP_E_INVALID;
      fy_parser_reset (y->fyp);
    }
  if (fy_parser_set_string (y->fyp, text, len) != 0)
    return report (c, (struct cmp_pos){ 0, 0 }, "cannot read the YAML");
  y->src = fy_parse_load_document (y->fyp);
  if (y->src == NULL)
    return fy_diag_got_error (y->diag) ? yaml_error (c, "YAML syntax error")
                                       : 0;
  extra = fy_parse_load_document (y->fyp);
  if (extra != NULL)
    return second_document (c, extra);
  if (fy_diag_got_error (y->diag))
    return yaml_error (c, "YAML syntax error");
  return 0;
}

static int
load (struct yctx *c, const char *text, size_t len)
{
  struct fy_node *root = NULL;
  int rc;

  if (check_text (c, text, len) < 0 || setup (c) < 0
      || parse (c, text, len) < 0)
    return -CFP_E_INVALID;
  if (c->y->src == NULL)
    return 0;
  if (find_anchors (c, c->y->src) < 0
      || check_node (c, fy_document_root (c->y->src), 0, false) < 0)
    return -CFP_E_INVALID;
  /* Most files have neither anchors nor merge keys: nothing to resolve,
   * and copying the document was a third of the time of a load. */
  if (c->n_anchors == 0 && c->n_merges == 0)
    {
      c->y->direct = true;
      return 0;
    }
  rc = resolve (c, fy_document_root (c->y->src), &root);
  if (rc == 0 && root != NULL && fy_document_set_root (c->y->doc, root) != 0)
    {
      fy_node_free (root);
      rc = out_of_memory (c);
    }
  return rc;
}

/* --- exported ---------------------------------------------------------- */

int
compose_yaml_load (const char *text, size_t len, const char *file,
                   unsigned flags, struct cmp_yaml **out, struct cfp_err *err)
{
  struct cfp_err local;
  struct yctx c = { 0 };
  int rc;

  *out = NULL;
  c.file = file != NULL ? file : "compose.yml";
  c.flags = flags;
  c.err = err != NULL ? err : &local;
  c.y = xcalloc (1, sizeof *c.y);
  rc = load (&c, text, len);
  free (c.anchors.slot);
  if (rc == 0 && c.y->src != NULL)
    *out = steal_pointer (&c.y);
  compose_yaml_free (c.y);
  return rc;
}

struct fy_node *
compose_yaml_root (const struct cmp_yaml *y)
{
  if (y == NULL)
    return NULL;
  return fy_document_root (y->direct ? y->src : y->doc);
}

void
compose_yaml_free (struct cmp_yaml *y)
{
  if (y == NULL)
    return;
  /* The resolved document shares tokens with the source: it goes first. */
  if (y->doc != NULL)
    fy_document_destroy (y->doc);
  if (y->src != NULL)
    fy_parse_document_destroy (y->fyp, y->src);
  if (y->fyp != NULL)
    fy_parser_destroy (y->fyp);
  /* Not fy_diag_unref(): only destroy frees the collected errors. */
  if (y->diag != NULL)
    fy_diag_destroy (y->diag);
  free (y);
}
