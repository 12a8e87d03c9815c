/* Compose files as JSON documents with positions, and back to YAML.
 *
 * compose_load() is the front door for tenant files: it parses YAML 1.2 with
 * libfyaml under the same limits as compose_parse() (size, nodes with
 * aliases expanded, depth, one document, standard tags only, no duplicate
 * keys), resolves anchors, aliases and `<<` merge keys, interpolates every
 * scalar value (never keys) from the parameters given, and returns the
 * document as a jansson tree.  It judges nothing: unknown keys, wrong types
 * and forbidden values are the policy's business (src/policy/), which
 * reports them with the positions kept here.
 *
 * Scalars keep their YAML 1.2 core-schema type: plain `true`, `12`, `1.5`
 * and `null` become JSON booleans, integers, reals and null; quoted scalars
 * and scalars that interpolation changed stay strings.  The tree, with
 * aliases and variables expanded, is bounded at 16 MiB of strings, keys
 * and pointers. */
#ifndef CFP_COMPOSE_LOAD_H
#define CFP_COMPOSE_LOAD_H

#include <jansson.h>

#include "compose/compose.h"
#include "core/util.h"

/* Where the value at a JSON pointer (RFC 6901) came from. */
struct cmp_posent
{
  char *pointer; /* "/services/web/ports/0" */
  struct cmp_pos pos;
};

struct cmp_doc
{
  char *file;   /* name used in messages */
  json_t *root; /* owned; an object */
  /* For a mapping member, the position of its key; for a sequence item, of
   * the item (a quoted scalar at its quote).  What came through an alias
   * or a `<<` merge key has the position of the anchored text it was
   * copied from, not of the alias or the `<<`.  An item with no text of
   * its own ({}, [], an empty value) has its container's position.  One
   * entry per member and item, none for the root; sorted by pointer. */
  struct cmp_posent *pos;
  size_t n_pos;
};

/* Parses `text` into a document.  Errors (YAML syntax, limits, a missing
 * interpolation variable) are CFP_E_INVALID "FILE:LINE:COL: what". */
int compose_load (const char *text, size_t len, const char *file,
                  const struct cmp_params *params, struct cmp_doc **out,
                  struct cfp_err *err);
void compose_doc_free (struct cmp_doc *doc);

/* The position of `pointer`, or of its nearest ancestor that has one, or
 * {0, 0}. */
struct cmp_pos compose_doc_pos (const struct cmp_doc *doc, const char *pointer);

/* Appends `root` to `out` as block-style Compose YAML: 2-space indent,
 * members in order, `- ` items, `{}` and `[]` for empty collections.
 * Every string is double-quoted, with \\ \" \n \t and \uXXXX escapes for
 * other control characters (UTF-8 is kept as it is), and with each `$`
 * written `$$`, because compose_load() interpolates string values: the
 * result loads back (compose_load, any parameters) to a tree equal to
 * `root` (json_equal), within compose_load()'s limits.  Keys are plain
 * when they are words ([A-Za-z_][A-Za-z0-9_.-]*, not true/false/null/yes/
 * no/on/off/y/n in any case), else double-quoted; their `$` stays single
 * as keys are not interpolated.  Fails on a NUL in a string, nesting past
 * COMPOSE_MAX_DEPTH, or `out`'s limit. */
int compose_emit_yaml (json_t *root, struct buf *out, struct cfp_err *err);

/* Escapes one reference token for a JSON pointer ('~' -> "~0", '/' -> "~1")
 * and appends "/token" to `base`.  Caller frees. */
char *compose_pointer (const char *base, const char *token);

#endif
