/* The hardened defaults of design.md, turned into Engine API bodies.
 *
 * Nothing a template or tenant writes can switch these off: the spec is
 * built from cfp's model field by field, so a key the builder does not set
 * never reaches the engine.  Engine object names:
 *   network    cfp_<tenant>_<stack>
 *   container  cfp_<tenant>_<stack>_<service>
 *   volume     cfp_<tenant>_<stack>_<volume>
 * Names are DNS labels, which hold no '_', so these never collide. */
#ifndef CFP_PROVISION_HARDEN_H
#define CFP_PROVISION_HARDEN_H

#include <jansson.h>

#include "compose/compose.h"
#include "ops/plan.h"
#include "provision/template.h"

#define HARDEN_NOBODY "65534:65534"

/* Labels every managed object carries. */
#define LABEL_MANAGED "cfp.managed"
#define LABEL_TENANT "cfp.tenant"
#define LABEL_STACK "cfp.stack"
#define LABEL_SERVICE "cfp.service"
#define LABEL_TEMPLATE "cfp.template"
#define LABEL_SPEC "cfp.spec"

struct harden_ctx
{
  const char *tenant;
  const char *stack;
  const char *template_name;
  const struct plan *plan;
  unsigned total_share; /* sum of the services' shares */
  /* What the engine's host has (0: unknown).  A plan larger than the host
   * is capped to it: the engine refuses CPU limits above its CPU count. */
  int64_t host_nano_cpus;
  int64_t host_memory;
  /* The operator's allowlists (NULL-terminated, NULL for none): a
   * capability or runtime outside them is refused even if a file that
   * skipped the admission policy asks for it. */
  const char *const *cap_allow;
  const char *const *runtime_allow;
};

/* Limits one service gets: its share of the plan's per-stack envelope,
 * lowered (never raised) by limits the compose file declares. */
struct harden_limits
{
  int64_t nano_cpus;
  int64_t memory;
  int64_t memory_reservation;
  int64_t pids;
};

char *harden_network_name (const char *tenant, const char *stack);
char *harden_container_name (const char *tenant, const char *stack,
                             const char *service);
char *harden_volume_name (const char *tenant, const char *stack,
                          const char *volume);

/* The cfp.* labels; service may be NULL for networks and volumes. */
json_t *harden_labels (const struct harden_ctx *c, const char *service);

/* Picks the user: the compose `user:` when numeric and not root, else the
 * image's user when numeric and not root, else 65534:65534.  A compose user
 * of uid 0, gid 0, `root` or a name is CFP_E_INVALID.  A missing gid
 * becomes the uid, never group 0.  *note (may be NULL) receives why a
 * fallback was taken, or NULL. */
int harden_user (const char *service, const char *requested,
                 const char *image_user, char **out, char **note,
                 struct cfp_err *err);

/* The plan's per-stack CPU and memory, capped at what the host has. */
void harden_envelope (const struct harden_ctx *c, int64_t *nano_cpus,
                      int64_t *memory);

void harden_limits_for (const struct harden_ctx *c,
                        const struct cmp_service *svc,
                        const struct tmpl_service *meta,
                        struct harden_limits *out);

/* What the spec takes from the image. */
struct harden_image
{
  const char *ref;  /* the image reference to run */
  const char *user; /* the result of harden_user() */
  /* Paths the image declares as VOLUME (NULL-terminated, may be NULL).
   * The engine would give each an anonymous writable volume; cfp mounts a
   * tmpfs there instead, so writable paths stay the declared ones. */
  char *const *volumes;
  /* The image's own HEALTHCHECK (may be NULL): used when the file has
   * none, with its interval raised to COMPOSE_MIN_HEALTH_INTERVAL_MS. */
  json_t *healthcheck;
};

/* Builds the ContainerCreate body for one service. */
int harden_container_spec (const struct harden_ctx *c,
                           const struct cmp_service *svc,
                           const struct tmpl_service *meta,
                           const struct harden_image *img, json_t **out,
                           struct cfp_err *err);

/* Refuses an image whose own labels would route it: a container inherits
 * its image's labels, and Traefik reads label keys case-insensitively. */
int harden_check_image_labels (const char *service, const char *ref,
                               json_t *labels, struct cfp_err *err);

/* True when `key` is reserved for cfp (cfp.* and traefik.*, any case). */
bool harden_label_reserved (const char *key);

/* A short stable hash (hex) of a spec plus the image id, stored as the
 * cfp.spec label so that a redeploy can tell what changed. */
char *harden_spec_hash (json_t *spec, const char *image_id);

#endif
