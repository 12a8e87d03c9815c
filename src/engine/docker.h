/* A Docker Engine API client over the unix socket (libcurl, jansson).
 *
 * dock_open() negotiates the API version with GET /version and prefixes
 * every later path with /vX.YY.  A non-2xx answer becomes an error that
 * carries the engine's own message.  Every request has a time limit.
 * A struct dock is not thread-safe: use dock_dup() for each thread. */
#ifndef CFP_ENGINE_DOCKER_H
#define CFP_ENGINE_DOCKER_H

#include <jansson.h>
#include <stdbool.h>

#include "core/err.h"

#define DOCK_DEFAULT_SOCKET "/var/run/docker.sock"
#define DOCK_MIN_API "1.40"
#define DOCK_MAX_API "1.45"
#define DOCK_RESPONSE_MAX (64 * 1024 * 1024)

struct dock;

/* Connects to `socket_path` (NULL: $DOCKER_HOST when it is unix://...,
 * else DOCK_DEFAULT_SOCKET) and negotiates the version.  timeout_ms bounds
 * each request (0: 60 s); connecting is bounded by 3 s.  An engine that does
 * not answer is CFP_E_ENGINE with the socket path and the cause. */
int dock_open (struct dock **out, const char *socket_path, long timeout_ms,
               struct cfp_err *err);
/* A second client on the same socket and version, for another thread. */
int dock_dup (const struct dock *d, struct dock **out, struct cfp_err *err);
void dock_close (struct dock *d);
const char *dock_api_version (const struct dock *d);
const char *dock_socket (const struct dock *d);

/* One request.  `path` starts with '/' and excludes the version prefix; it
 * may carry a query string.  `body` (may be NULL) is sent as JSON.  On 2xx,
 * *resp (when resp != NULL) receives the parsed JSON or NULL for an empty
 * body, and *status the HTTP status.  On a non-2xx answer the error is
 * CFP_E_NOTFOUND for 404, CFP_E_CONFLICT for 409, else CFP_E_ENGINE, and
 * its message is the engine's "message" field.  A request that times out
 * says so and names the limit. */
int dock_request (struct dock *d, const char *method, const char *path,
                  json_t *body, json_t **resp, long *status,
                  struct cfp_err *err);

/* Like dock_request() for answers that are not JSON: on 2xx, *body
 * receives the raw bytes (bounded by DOCK_RESPONSE_MAX; caller frees with
 * buf_free). */
struct buf;
int dock_request_raw (struct dock *d, const char *method, const char *path,
                      struct buf *body, struct cfp_err *err);

/* Reads one regular file of at most `limit` bytes out of a container
 * (created or running) through the archive endpoint.  A missing file is
 * CFP_E_NOTFOUND. */
int dock_container_read_file (struct dock *d, const char *id, const char *path,
                              size_t limit, char **out, size_t *len,
                              struct cfp_err *err);

/* Typed helpers; names and ids are URL-escaped inside. */
int dock_image_inspect (struct dock *d, const char *ref, json_t **out,
                        struct cfp_err *err);
int dock_network_create (struct dock *d, const char *name, json_t *labels,
                         bool internal, char **id, struct cfp_err *err);
int dock_network_inspect (struct dock *d, const char *name, json_t **out,
                          struct cfp_err *err);
int dock_network_remove (struct dock *d, const char *name, struct cfp_err *err);
int dock_volume_create (struct dock *d, const char *name, json_t *labels,
                        struct cfp_err *err);
int dock_volume_inspect (struct dock *d, const char *name, json_t **out,
                         struct cfp_err *err);
int dock_volume_remove (struct dock *d, const char *name, struct cfp_err *err);
/* `spec` is the full ContainerCreate body; *id receives the new id. */
int dock_container_create (struct dock *d, const char *name, json_t *spec,
                           char **id, struct cfp_err *err);
int dock_container_inspect (struct dock *d, const char *id, json_t **out,
                            struct cfp_err *err);
int dock_container_start (struct dock *d, const char *id, struct cfp_err *err);
/* Stops with `timeout_s` seconds of grace; an already stopped one is 0. */
int dock_container_stop (struct dock *d, const char *id, int timeout_s,
                         struct cfp_err *err);
int dock_container_restart (struct dock *d, const char *id, int timeout_s,
                            struct cfp_err *err);
/* Force-removes; anonymous volumes go with it.  A missing one is 0. */
int dock_container_remove (struct dock *d, const char *id, struct cfp_err *err);
/* Lists objects whose labels match every "key=value" (or "key") in
 * `labels` (NULL-terminated).  *out is the engine's JSON array. */
int dock_container_list (struct dock *d, const char *const *labels,
                         json_t **out, struct cfp_err *err);
int dock_network_list (struct dock *d, const char *const *labels, json_t **out,
                       struct cfp_err *err);
int dock_volume_list (struct dock *d, const char *const *labels, json_t **out,
                      struct cfp_err *err);

#endif
