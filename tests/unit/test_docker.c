/* Unit tests of the Docker Engine API client against the real engine on
 * /var/run/docker.sock, plus a few fake unix-socket servers for the cases
 * a healthy engine cannot produce (timeouts, old and new API versions).
 * Every engine object made here is labelled cfp.test=unit; the group
 * teardown removes whatever carries that label, even after a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* needs the four headers above */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/util.h"
#include "engine/docker.h"

#define TEST_LABEL "cfp.test=unit"
#define TEST_IMAGE "cfp-test-agent:latest"
#define MISSING_IMAGE "cfp-no-such-image:latest"

static const char *const test_labels[] = { TEST_LABEL, NULL };

static json_t *
labels (void)
{
  return json_pack ("{s:s}", "cfp.test", "unit");
}

static char *
unique_name (const char *kind)
{
  return xasprintf ("cfp-unit-%s-%ld", kind, (long)getpid ());
}

/* True when `list` holds an element whose `key` equals `value`. */
static bool
list_has (json_t *list, const char *key, const char *value)
{
  size_t i;
  json_t *it;

  json_array_foreach (list, i, it)
  {
    const char *s = json_string_value (json_object_get (it, key));

    if (s != NULL && strcmp (s, value) == 0)
      return true;
  }
  return false;
}

/* Removes every object labelled cfp.test=unit; `key` names its id. */
static void
sweep (struct dock *d,
       int (*lister) (struct dock *, const char *const *, json_t **,
                      struct cfp_err *),
       int (*remover) (struct dock *, const char *, struct cfp_err *),
       const char *key)
{
  struct cfp_err err = { 0 };
  json_t *list = NULL, *it;
  size_t i;

  if (lister (d, test_labels, &list, &err) < 0)
    {
      fprintf (stderr, "teardown: list: %s\n", err.msg);
      return;
    }
  json_array_foreach (list, i, it)
  {
    const char *id = json_string_value (json_object_get (it, key));

    if (id != NULL && remover (d, id, &err) < 0)
      fprintf (stderr, "teardown: remove `%s`: %s\n", id, err.msg);
  }
  json_decref (list);
}

static int
group_setup (void **state)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;

  if (dock_open (&d, DOCK_DEFAULT_SOCKET, 0, &err) < 0)
    {
      fprintf (stderr, "setup: %s\n", err.msg);
      return -1;
    }
  *state = d;
  return 0;
}

static int
group_teardown (void **state)
{
  struct dock *d = *state;

  sweep (d, dock_container_list, dock_container_remove, "Id");
  sweep (d, dock_network_list, dock_network_remove, "Id");
  sweep (d, dock_volume_list, dock_volume_remove, "Name");
  dock_close (d);
  return 0;
}

/* A fake engine: a listening unix socket in a fresh directory that
 * answers one connection with `reply` (or never, when reply is NULL). */
struct fake
{
  char dir[64];
  char path[96]; /* fits sun_path */
  int fd;
  const char *reply;
  pthread_t thread;
};

static void *
fake_serve (void *arg)
{
  struct fake *f = arg;
  char req[4096];
  size_t got = 0;
  ssize_t n;
  int c;

  c = accept (f->fd, NULL, NULL);
  if (c < 0)
    return NULL;
  while (got < sizeof req - 1
         && (n = read (c, req + got, sizeof req - 1 - got)) > 0)
    {
      got += (size_t)n;
      req[got] = '\0';
      if (strstr (req, "\r\n\r\n") != NULL)
        break;
    }
  if (write (c, f->reply, strlen (f->reply)) < 0)
    perror ("fake engine: write");
  close (c);
  return NULL;
}

static void
fake_start (struct fake *f, const char *reply)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };

  snprintf (f->dir, sizeof f->dir, "/tmp/cfp-test-XXXXXX");
  assert_non_null (mkdtemp (f->dir));
  snprintf (f->path, sizeof f->path, "%.60s/docker.sock", f->dir);
  memcpy (sa.sun_path, f->path, sizeof f->path);
  f->fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true (f->fd >= 0);
  assert_int_equal (bind (f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal (listen (f->fd, 4), 0);

  f->reply = reply;
  if (reply != NULL)
    assert_int_equal (pthread_create (&f->thread, NULL, fake_serve, f), 0);
}

static void
fake_stop (struct fake *f)
{
  if (f->reply != NULL)
    pthread_join (f->thread, NULL);
  if (f->fd >= 0)
    close (f->fd);
  unlink (f->path);
  rmdir (f->dir);
}

static char *
version_reply (const char *api)
{
  cleanup_free char *body
      = xasprintf ("{\"ApiVersion\":\"%s\",\"MinAPIVersion\":\"1.12\"}", api);

  return xasprintf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                    strlen (body), body);
}

static void
test_version (void **state)
{
  struct dock *d = *state;

  assert_string_equal (dock_api_version (d), "1.41");
  assert_string_equal (dock_socket (d), DOCK_DEFAULT_SOCKET);
}

static void
test_socket_missing (void **state)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  int rc;

  (void)state;
  rc = dock_open (&d, "/nonexistent/cfp/docker.sock", 0, &err);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_ENGINE);
  assert_null (d);
  assert_non_null (strstr (err.msg, "`/nonexistent/cfp/docker.sock`"));
  assert_non_null (strstr (err.msg, "does not answer"));
  assert_non_null (strstr (err.msg, "No such file or directory"));
}

/* Without a path, a unix:// $DOCKER_HOST names the socket. */
static void
test_docker_host (void **state)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  int rc;

  (void)state;
  setenv ("DOCKER_HOST", "unix:///nonexistent/cfp/env.sock", 1);
  rc = dock_open (&d, NULL, 0, &err);
  unsetenv ("DOCKER_HOST");
  assert_int_equal (rc, -CFP_E_ENGINE);
  assert_non_null (strstr (err.msg, "`/nonexistent/cfp/env.sock`"));

  setenv ("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
  rc = dock_open (&d, NULL, 0, &err);
  unsetenv ("DOCKER_HOST");
  assert_int_equal (rc, 0);
  assert_string_equal (dock_socket (d), DOCK_DEFAULT_SOCKET);
  dock_close (d);
}

/* A socket file that nobody listens on, as a stopped dockerd leaves. */
static void
test_socket_refused (void **state)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  struct fake f;
  int rc;

  (void)state;
  fake_start (&f, NULL);
  close (f.fd);
  f.fd = -1;
  rc = dock_open (&d, f.path, 0, &err);
  fake_stop (&f);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_ENGINE);
  assert_non_null (strstr (err.msg, "Connection refused (is dockerd "
                                    "running?)"));
}

static void
test_timeout (void **state)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  struct fake f;
  int rc;

  (void)state;
  fake_start (&f, NULL);
  rc = dock_open (&d, f.path, 1000, &err);
  fake_stop (&f);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_ENGINE);
  assert_non_null (strstr (err.msg, "request `GET /version` timed out "
                                    "after 1 s"));
}

static void
test_old_engine (void **state)
{
  cleanup_free char *reply = version_reply ("1.39");
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  struct fake f;
  int rc;

  (void)state;
  fake_start (&f, reply);
  rc = dock_open (&d, f.path, 5000, &err);
  fake_stop (&f);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_ENGINE);
  assert_non_null (strstr (err.msg, "speaks API 1.39, older than 1.40"));
}

static void
test_new_engine (void **state)
{
  cleanup_free char *reply = version_reply ("1.47");
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  struct fake f;
  int rc;

  (void)state;
  fake_start (&f, reply);
  rc = dock_open (&d, f.path, 5000, &err);
  fake_stop (&f);
  assert_int_equal (rc, 0);
  assert_string_equal (dock_api_version (d), DOCK_MAX_API);
  dock_close (d);
}

static void *
dup_worker (void *arg)
{
  struct cfp_err err = { 0 };
  struct dock *d = NULL;
  long ok = 0;

  if (dock_dup (arg, &d, &err) < 0)
    return (void *)ok;
  for (int i = 0; i < 20; i++)
    {
      json_t *v = NULL;

      if (dock_request (d, "GET", "/version", NULL, &v, NULL, &err) == 0
          && json_is_object (v))
        ok++;
      json_decref (v);
    }
  dock_close (d);
  return (void *)ok;
}

static void
test_dup_threads (void **state)
{
  pthread_t t[4];
  void *ok;

  for (int i = 0; i < 4; i++)
    assert_int_equal (pthread_create (&t[i], NULL, dup_worker, *state), 0);
  for (int i = 0; i < 4; i++)
    {
      assert_int_equal (pthread_join (t[i], &ok), 0);
      assert_int_equal ((long)ok, 20);
    }
}

static void
test_request_errors (void **state)
{
  struct cfp_err err = { 0 };
  json_t *resp = NULL;
  long status = 0;
  int rc;

  rc = dock_request (*state, "GET", "/no/such/endpoint", NULL, &resp, &status,
                     &err);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_NOTFOUND);
  assert_int_equal (status, 404);
  assert_null (resp);
  assert_string_equal (err.msg, "page not found");

  rc = dock_request (*state, "GET", "version", NULL, NULL, NULL, &err);
  assert_int_equal (rc, -CFP_E_INVALID);
}

static void
test_image_missing (void **state)
{
  struct cfp_err err = { 0 };
  json_t *img = NULL;
  int rc;

  rc = dock_image_inspect (*state, MISSING_IMAGE, &img, &err);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_NOTFOUND);
  assert_null (img);
  assert_non_null (strstr (err.msg, "No such image: " MISSING_IMAGE));
}

static void
test_network (void **state)
{
  cleanup_free char *name = unique_name ("net");
  cleanup_free char *id = NULL;
  cleanup_free char *id2 = NULL;
  struct cfp_err err = { 0 };
  json_t *lab = labels (), *net = NULL, *list = NULL;
  struct dock *d = *state;

  assert_int_equal (dock_network_create (d, name, lab, true, &id, &err), 0);
  assert_non_null (id);
  assert_int_equal (dock_network_create (d, name, lab, true, &id2, &err),
                    -CFP_E_CONFLICT);
  printf ("  duplicate: %s\n", err.msg);
  assert_null (id2);

  assert_int_equal (dock_network_inspect (d, name, &net, &err), 0);
  assert_string_equal (json_string_value (json_object_get (net, "Id")), id);
  assert_true (json_is_true (json_object_get (net, "Internal")));
  assert_true (json_equal (json_object_get (net, "Labels"), lab));
  assert_string_equal (json_string_value (json_object_get (net, "Driver")),
                       "bridge");
  json_decref (net);

  assert_int_equal (dock_network_list (d, test_labels, &list, &err), 0);
  assert_true (list_has (list, "Name", name));
  json_decref (list);

  assert_int_equal (dock_network_remove (d, id, &err), 0);
  assert_int_equal (dock_network_remove (d, id, &err), 0);
  assert_int_equal (dock_network_inspect (d, name, &net, &err),
                    -CFP_E_NOTFOUND);
  printf ("  gone: %s\n", err.msg);
  json_decref (lab);
}

static void
test_volume (void **state)
{
  cleanup_free char *name = unique_name ("vol");
  struct cfp_err err = { 0 };
  json_t *lab = labels (), *other, *vol = NULL, *list = NULL;
  struct dock *d = *state;

  assert_int_equal (dock_volume_create (d, name, lab, &err), 0);
  assert_int_equal (dock_volume_create (d, name, lab, &err), 0);
  other = json_pack ("{s:s, s:s}", "cfp.test", "unit", "cfp.stack", "x");
  assert_int_equal (dock_volume_create (d, name, other, &err), -CFP_E_CONFLICT);
  printf ("  clash: %s\n", err.msg);
  json_decref (other);

  assert_int_equal (dock_volume_inspect (d, name, &vol, &err), 0);
  assert_string_equal (json_string_value (json_object_get (vol, "Name")), name);
  assert_string_equal (json_string_value (json_object_get (vol, "Driver")),
                       "local");
  assert_true (json_equal (json_object_get (vol, "Labels"), lab));
  json_decref (vol);

  assert_int_equal (dock_volume_list (d, test_labels, &list, &err), 0);
  assert_true (list_has (list, "Name", name));
  json_decref (list);

  assert_int_equal (dock_volume_remove (d, name, &err), 0);
  assert_int_equal (dock_volume_remove (d, name, &err), 0);
  assert_int_equal (dock_volume_inspect (d, name, &vol, &err), -CFP_E_NOTFOUND);
  printf ("  gone: %s\n", err.msg);
  json_decref (lab);
}

static void
test_list_filter_escaping (void **state)
{
  static const char *const odd[] = { "cfp.test=a&b c/%\"{}", NULL };
  struct cfp_err err = { 0 };
  json_t *list = NULL;

  /* The default networks (bridge, host, none) always exist: a filter the
   * engine failed to read would list them. */
  assert_int_equal (dock_network_list (*state, odd, &list, &err), 0);
  assert_true (json_is_array (list));
  assert_int_equal (json_array_size (list), 0);
  json_decref (list);

  assert_int_equal (dock_network_list (*state, NULL, &list, &err), 0);
  assert_true (list_has (list, "Name", "bridge"));
  json_decref (list);
}

static void
test_container_unknown_image (void **state)
{
  cleanup_free char *name = unique_name ("noimg");
  struct cfp_err err = { 0 };
  char *id = NULL;
  json_t *spec;
  int rc;

  spec = json_pack ("{s:s, s:o}", "Image", MISSING_IMAGE, "Labels", labels ());
  rc = dock_container_create (*state, name, spec, &id, &err);
  json_decref (spec);
  printf ("  message: %s\n", err.msg);
  assert_int_equal (rc, -CFP_E_NOTFOUND);
  assert_null (id);
  assert_string_equal (err.msg, "No such image: " MISSING_IMAGE);
}

/* $CFP_TEST_IMAGE may name another local image with a long-running
 * default command, for running this test before the agent image exists. */
static const char *
test_image (void)
{
  const char *env = getenv ("CFP_TEST_IMAGE");

  return env != NULL && env[0] != '\0' ? env : TEST_IMAGE;
}

static bool
image_present (struct dock *d)
{
  struct cfp_err err = { 0 };
  json_t *img = NULL;

  if (dock_image_inspect (d, test_image (), &img, &err) < 0)
    return false;
  json_decref (img);
  return true;
}

static void
test_container (void **state)
{
  cleanup_free char *name = NULL;
  cleanup_free char *id = NULL;
  struct cfp_err err = { 0 };
  struct dock *d = *state;
  json_t *spec, *info = NULL;
  char *dupe = NULL;

  if (!image_present (d))
    {
      printf ("  skipped: image `%s` is not built yet\n", test_image ());
      skip ();
    }
  name = unique_name ("ctr");
  spec = json_pack ("{s:s, s:o, s:{s:s}}", "Image", test_image (), "Labels",
                    labels (), "HostConfig", "NetworkMode", "none");
  assert_int_equal (dock_container_create (d, name, spec, &id, &err), 0);
  assert_int_equal (dock_container_create (d, name, spec, &dupe, &err),
                    -CFP_E_CONFLICT);
  printf ("  duplicate: %s\n", err.msg);
  json_decref (spec);

  assert_int_equal (dock_container_inspect (d, id, &info, &err), 0);
  assert_string_equal (json_string_value (json_object_get (info, "Id")), id);
  json_decref (info);

  assert_int_equal (dock_container_start (d, id, &err), 0);
  assert_int_equal (dock_container_start (d, id, &err), 0);
  assert_int_equal (dock_container_inspect (d, id, &info, &err), 0);
  assert_true (json_is_true (
      json_object_get (json_object_get (info, "State"), "Running")));
  json_decref (info);
  assert_int_equal (dock_container_restart (d, id, 1, &err), 0);
  assert_int_equal (dock_container_stop (d, id, 1, &err), 0);
  assert_int_equal (dock_container_stop (d, id, 1, &err), 0);
  assert_int_equal (dock_container_remove (d, id, &err), 0);
  assert_int_equal (dock_container_remove (d, id, &err), 0);
  assert_int_equal (dock_container_inspect (d, id, &info, &err),
                    -CFP_E_NOTFOUND);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_version),
    cmocka_unit_test (test_socket_missing),
    cmocka_unit_test (test_docker_host),
    cmocka_unit_test (test_socket_refused),
    cmocka_unit_test (test_timeout),
    cmocka_unit_test (test_old_engine),
    cmocka_unit_test (test_new_engine),
    cmocka_unit_test (test_dup_threads),
    cmocka_unit_test (test_request_errors),
    cmocka_unit_test (test_image_missing),
    cmocka_unit_test (test_network),
    cmocka_unit_test (test_volume),
    cmocka_unit_test (test_list_filter_escaping),
    cmocka_unit_test (test_container_unknown_image),
    cmocka_unit_test (test_container),
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
