/* Small helpers with no policy: cleanup attributes, checked allocation,
 * a bounded growable buffer, name validation. */
#ifndef CFP_CORE_UTIL_H
#define CFP_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/err.h"

void cleanup_freep (void *p);
#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))

/* Returns *pp and sets it to NULL: explicit ownership transfer. */
#define steal_pointer(pp)                                                      \
  __extension__({                                                              \
    __typeof__ (*(pp)) steal_tmp_ = *(pp);                                     \
    *(pp) = NULL;                                                              \
    steal_tmp_;                                                                \
  })

/* Allocation failures abort: there is nothing sensible to do without
 * memory in a short-lived CLI, and checking every strdup hides logic. */
void *xmalloc (size_t n);
void *xcalloc (size_t n, size_t size);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* A growable byte buffer that refuses to grow past `limit` bytes.
 * Invariant: data is NUL-terminated when non-NULL; len excludes the NUL. */
struct buf
{
  char *data;
  size_t len;
  size_t cap;
  size_t limit; /* 0 means SIZE_MAX */
};

void buf_init (struct buf *b, size_t limit);
/* Returns 0, or -1 when the limit would be exceeded (nothing appended). */
int buf_append (struct buf *b, const void *p, size_t n);
int buf_puts (struct buf *b, const char *s);
int buf_printf (struct buf *b, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Returns the data (never NULL) and leaves the buffer empty. */
char *buf_steal (struct buf *b);
void buf_free (struct buf *b);

/* True when s is a DNS label: 1-63 chars of [a-z0-9-], not starting or
 * ending with '-'.  Tenant, stack, service and volume names are labels. */
bool name_is_dns_label (const char *s);

/* True when s is a Compose service or volume name cfp accepts:
 * [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters.  Engine names join
 * parts with '_', and tenant and stack names (DNS labels) hold none, so
 * cfp_<tenant>_<stack>_<name> stays unambiguous. */
bool name_is_compose (const char *s);

/* Checks a name; on failure sets CFP_E_INVALID naming `what`. */
int name_check (const char *what, const char *s, struct cfp_err *err);

/* True when s is one or more ASCII digits and nothing else. */
bool str_is_digits (const char *s);

/* True when s is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid (const char *s);

/* Parses a size such as "512m", "1g", "64k", "1024" (bytes) into bytes.
 * Returns 0 or -1 on syntax error or overflow. */
int parse_size (const char *s, int64_t *out);

/* Reads a whole file up to `limit` bytes into a NUL-terminated buffer. */
int read_file_limit (const char *path, size_t limit, char **out, size_t *len,
                     struct cfp_err *err);

/* Monotonic milliseconds. */
int64_t now_ms (void);

#endif
