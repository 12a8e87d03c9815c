/* Loading YAML with libfyaml, shared by compose_parse() and compose_load().
 * Internal to src/compose.
 *
 * compose_yaml_load() reads one YAML 1.2 document under the limits of
 * compose.h and hands back a resolved copy of it: no aliases and no `<<`
 * merge keys are left, every other node keeps its style, tag and the
 * position of its text.  In order, it refuses:
 *   - a text over COMPOSE_MAX_BYTES, a NUL byte, invalid UTF-8;
 *   - YAML syntax errors as libfyaml words them (tabs in indentation,
 *     unclosed quotes and brackets, nesting past libfyaml's own limit of
 *     64);
 *   - more than 256 anchors (libfyaml's anchor handling is quadratic);
 *   - a second document;
 *   - more than COMPOSE_MAX_NODES nodes or COMPOSE_MAX_DEPTH levels with
 *     aliases expanded, counted before anything is expanded, so an alias
 *     bomb costs at most COMPOSE_MAX_NODES steps;
 *   - tags other than the standard str, int, float, bool, null, map, seq,
 *     and a standard tag on the wrong kind of node (`!!map x`);
 *   - two keys of one mapping with the same text (`1` and "1" included;
 *     a merge key `<<` and a quoted "<<" are different keys);
 *   - aliases to unknown anchors, to anchors defined after them, or to a
 *     node that contains them;
 *   - a `<<` whose value is not a mapping or a list of mappings;
 *   - anchored scalars copied more than 1024 times in all (aliases and
 *     merges expanded; again libfyaml's anchor list).
 *
 * Merge keys: a plain, untagged `<<` brings in the members of the mapping
 * (or of each mapping of the list) that the mapping does not set itself;
 * of several merged mappings the first that has a key wins.  The merged
 * members take the place of the `<<` member, in their own order.  Their
 * nodes, like those copied for an alias, keep the position of the anchored
 * text they were copied from.
 *
 * Errors are CFP_E_INVALID "FILE:LINE:COL: what" (1-based), or "FILE: what"
 * when libfyaml gives no position; one line. */
#ifndef CFP_COMPOSE_YAML_H
#define CFP_COMPOSE_YAML_H

#include <stdarg.h>

#include <libfyaml.h>

#include "compose/compose.h"

struct cmp_yaml;

/* compose_yaml_load() flags. */
enum
{
  /* Name the line and column of a second document in the error.  Without
   * it the message is "FILE: more than one YAML document", which
   * compose_parse() has always given. */
  CMP_YAML_MULTIDOC_POS = 1 << 0,
};

/* Loads `text` (len bytes).  On success *out is the document, or NULL when
 * the text holds no document at all (empty, or only comments). */
int compose_yaml_load (const char *text, size_t len, const char *file,
                       unsigned flags, struct cmp_yaml **out,
                       struct cfp_err *err);

/* The root of the resolved document; NULL for an empty document ("---").
 * Nodes live as long as the cmp_yaml. */
struct fy_node *compose_yaml_root (const struct cmp_yaml *y);

void compose_yaml_free (struct cmp_yaml *y);

/* Where node `n` starts: a scalar's own text (a quoted one at its opening
 * quote, an alias at its `*`); a mapping's first key; a sequence's first item;
 * {0, 0} for NULL, empty collections and empty scalars, which have no text.  A
 * block scalar (`|`, `>`) is placed where libfyaml marks it: at column 1 of its
 * first content line. */
struct cmp_pos compose_yaml_pos (struct fy_node *n);

/* As compose_yaml_pos(), but a quoted scalar or an alias one column
 * later, at libfyaml's own mark: the column compose_parse() has always
 * reported (tests/unit/test_compose.c pins it). */
struct cmp_pos compose_yaml_mark (struct fy_node *n);

/* Sets CFP_E_INVALID "FILE[:LINE:COL]: message" on one line (control
 * characters from the file become '?') and returns -CFP_E_INVALID: the
 * error shape of both compose front ends. */
int compose_vreport (struct cfp_err *err, const char *file, struct cmp_pos pos,
                     const char *fmt, va_list ap)
    __attribute__ ((format (printf, 4, 0)));

/* A scalar's text as written in the file (never interpolated: a parameter
 * may be a secret), cut at 80 bytes, in `buf`; "" for other nodes. */
const char *compose_yaml_raw (struct fy_node *n, char *buf, size_t size);

#endif
