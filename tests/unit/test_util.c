/* Unit tests of src/core: errors, buffers, names, sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/util.h"

static void
test_err_wrap_reads_outermost_first (void **state)
{
  struct cfp_err err = { 0 };

  (void)state;
  assert_int_equal (
      cfp_err_set (&err, CFP_E_ENGINE, "no such image `%s`", "x:1"),
      -CFP_E_ENGINE);
  assert_int_equal (cfp_err_wrap (&err, "deploy `%s`", "a/b"), -CFP_E_ENGINE);
  assert_string_equal (err.msg, "deploy `a/b`: no such image `x:1`");
}

static void
test_err_wrap_truncates_safely (void **state)
{
  struct cfp_err err = { 0 };
  char big[2000];

  (void)state;
  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  cfp_err_set (&err, CFP_E_FAIL, "%s", big);
  for (int i = 0; i < 10; i++)
    cfp_err_wrap (&err, "layer %d", i);
  assert_int_equal (strlen (err.msg), CFP_ERR_MAX - 1);
  assert_memory_equal (err.msg, "layer 9: layer 8: ", 18);
}

static void
test_buf_limit (void **state)
{
  struct buf b;

  (void)state;
  buf_init (&b, 8);
  assert_int_equal (buf_puts (&b, "12345678"), 0);
  assert_int_equal (buf_puts (&b, "9"), -1);
  assert_int_equal (b.len, 8);
  assert_string_equal (b.data, "12345678");
  buf_free (&b);
}

static void
test_dns_labels (void **state)
{
  (void)state;
  assert_true (name_is_dns_label ("acme"));
  assert_true (name_is_dns_label ("a-1"));
  assert_true (name_is_dns_label ("0"));
  assert_false (name_is_dns_label (""));
  assert_false (name_is_dns_label ("-a"));
  assert_false (name_is_dns_label ("a-"));
  assert_false (name_is_dns_label ("A"));
  assert_false (name_is_dns_label ("a_b"));
  assert_false (name_is_dns_label ("a.b"));
  assert_false (name_is_dns_label (NULL));
  assert_true (name_is_dns_label (
      "a23456789012345678901234567890123456789012345678901234567890123"));
  assert_false (name_is_dns_label (
      "a234567890123456789012345678901234567890123456789012345678901234"));
}

static void
test_parse_size (void **state)
{
  int64_t v;

  (void)state;
  assert_int_equal (parse_size ("512m", &v), 0);
  assert_int_equal (v, 512LL << 20);
  assert_int_equal (parse_size ("1G", &v), 0);
  assert_int_equal (v, 1LL << 30);
  assert_int_equal (parse_size ("64kb", &v), 0);
  assert_int_equal (v, 64 << 10);
  assert_int_equal (parse_size ("100", &v), 0);
  assert_int_equal (v, 100);
  assert_int_equal (parse_size ("m", &v), -1);
  assert_int_equal (parse_size ("12q", &v), -1);
  assert_int_equal (parse_size ("-1", &v), -1);
  assert_int_equal (parse_size ("99999999999999999999", &v), -1);
  assert_int_equal (parse_size ("9999999999999g", &v), -1);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_err_wrap_reads_outermost_first),
    cmocka_unit_test (test_err_wrap_truncates_safely),
    cmocka_unit_test (test_buf_limit),
    cmocka_unit_test (test_dns_labels),
    cmocka_unit_test (test_parse_size),
  };

  return cmocka_run_group_tests_name ("util", tests, NULL, NULL);
}
