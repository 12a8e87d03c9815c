/* Compose files -> cfp's own stack model.
 *
 * The parser (libfyaml) accepts the part of the Compose Specification that
 * cfp's templates use and rejects every key it does not know, naming
 * file:line:column.  Interpolation draws only on the parameters passed in,
 * never on the process environment.  Nothing here talks to the engine or
 * applies policy: provision/ does that with the model. */
#ifndef CFP_COMPOSE_H
#define CFP_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Hard limits on what a compose file may contain. */
#define COMPOSE_MAX_BYTES (1024 * 1024)
#define COMPOSE_MAX_SERVICES 64
/* Health probes run as execs on the shared engine: at most one every 5 s
 * per container. */
#define COMPOSE_MIN_HEALTH_INTERVAL_MS 5000
#define COMPOSE_MAX_ITEMS 256          /* per list or map inside a service */
#define COMPOSE_MAX_SCALAR (64 * 1024) /* one value after interpolation */
#define COMPOSE_MAX_NODES 100000       /* YAML nodes, aliases expanded */
#define COMPOSE_MAX_DEPTH 64           /* nesting, aliases expanded */

/* A file position, 1-based; 0 when unknown. */
struct cmp_pos
{
  unsigned line;
  unsigned col;
};

struct cmp_kv
{
  char *key;
  char *value; /* environment: NULL for "KEY" (list) or "KEY:" (map) with
                  no value; labels: "" then */
};

enum cmp_mount_type
{
  CMP_MOUNT_VOLUME, /* a named volume declared at top level */
  CMP_MOUNT_TMPFS,
};

struct cmp_mount
{
  enum cmp_mount_type type;
  char *source; /* volume name; NULL for tmpfs */
  char *target; /* absolute path in the container */
  bool read_only;
  int64_t tmpfs_size; /* bytes, 0 = unset */
  struct cmp_pos pos;
};

struct cmp_healthcheck
{
  bool present;
  bool disable;
  char **test; /* argv, NULL-terminated; test[0] is "CMD", "CMD-SHELL"
                  or "NONE" as in the Compose spec */
  int64_t interval_ms, timeout_ms, start_period_ms; /* 0 = unset */
  int retries;                                      /* 0 = unset */
};

struct cmp_service
{
  char *name;
  struct cmp_pos pos;
  char *image;
  char **command;    /* NULL-terminated argv, NULL when unset; set but
                        empty ("" or []) is { NULL } */
  char **entrypoint; /* as command */
  struct cmp_kv *env;
  size_t n_env;
  struct cmp_kv *labels;
  size_t n_labels;
  char *user;        /* NULL when unset */
  char *working_dir; /* NULL when unset */
  struct cmp_mount *mounts;
  size_t n_mounts;
  char **depends_on; /* service names */
  size_t n_depends_on;
  char **depends_healthy; /* those of them with condition service_healthy */
  size_t n_depends_healthy;
  int *expose; /* container ports (expose:), 1..65535 */
  size_t n_expose;
  struct cmp_healthcheck healthcheck;
  /* deploy.resources.limits / reservations; 0 = unset */
  double cpus;
  int64_t mem_limit;
  int64_t pids_limit;
  int64_t mem_reservation;
  char *restart; /* "no", "on-failure", ... NULL when unset */
  /* Settings the admission policy has bounded; harden.c applies them. */
  struct cmp_kv *sysctls; /* the Pod Security safe list only */
  size_t n_sysctls;
  char *stop_signal; /* NULL when unset */
  int64_t shm_size;  /* bytes, 0 = unset */
  int oom_score_adj; /* 0..1000, 0 = unset */
  int blkio_weight;  /* 10..1000, 0 = unset */
  char **cap_add;    /* upper case, no CAP_ prefix; NULL-terminated */
  size_t n_cap_add;
  char *runtime;         /* NULL when unset */
  int64_t stop_grace_ms; /* stop_grace_period, 0 = unset */
};

struct cmp_volume
{
  char *name;
  struct cmp_pos pos;
};

struct cmp_stack
{
  char *file; /* the name used in error messages */
  struct cmp_service *services;
  size_t n_services;
  struct cmp_volume *volumes;
  size_t n_volumes;
};

/* Parameters for interpolation: a NULL-terminated array of name/value
 * pairs.  A parameter that is absent is unset; one present with an empty
 * value is set but empty (matters for ${X-d} versus ${X:-d}). */
struct cmp_params
{
  const struct cmp_kv *items;
  size_t n;
};

/* Parses `text` (len bytes) named `file` in messages.  On success *out
 * owns the model.  Errors are CFP_E_INVALID with "file:line:col: what". */
int compose_parse (const char *text, size_t len, const char *file,
                   const struct cmp_params *params, struct cmp_stack **out,
                   struct cfp_err *err);

void compose_free (struct cmp_stack *stack);

/* Interpolates one scalar: ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?message}, ${VAR?message}, $VAR and $$.  A missing required
 * variable or a malformed expression is CFP_E_INVALID. */
int compose_interpolate (const char *in, const struct cmp_params *params,
                         char **out, struct cfp_err *err);

/* Returns the service named `name`, or NULL. */
const struct cmp_service *compose_service (const struct cmp_stack *stack,
                                           const char *name);

/* True for the namespaced sysctls of the Pod Security baseline, the only
 * ones a tenant container may set (the rest change the host kernel). */
bool compose_sysctl_safe (const char *name);

#endif
