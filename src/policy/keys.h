/* The keys of the Compose Specification, object by object.
 *
 * Written by hand from the specification's JSON schema (shared/anchors/
 * compose-spec.json); tests/unit/test_policy.c checks the tables against
 * that schema in both directions.  The policy refuses every key not listed
 * here (CFP-HC-53), so a key the specification adds later is refused until
 * someone has looked at what it does and added it.
 *
 * Each table lists the keys of one kind of map.  A key that holds more
 * maps says how to reach them (`walk`) and which table their keys follow;
 * values of other forms (short syntax strings, scalars) are not described
 * here. */
#ifndef CFP_POLICY_KEYS_H
#define CFP_POLICY_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum keys_walk
{
  KEYS_LEAF,    /* nothing below is described */
  KEYS_OBJECT,  /* when the value is a map, its keys are `child` */
  KEYS_ITEMS,   /* when the value is a list, its map items' keys are `child` */
  KEYS_MEMBERS, /* when the value is a map of names, its map values' keys are
                   `child` */
};

struct keys_table;

struct keys_key
{
  const char *name;
  enum keys_walk walk;
  const struct keys_table *child; /* NULL exactly when walk is KEYS_LEAF */
};

struct keys_table
{
  const char *name; /* dotted path for messages: "deploy.resources" */
  const struct keys_key *keys;
  size_t n_keys;
  bool extensions; /* the specification allows `x-*` keys here */
};

/* The document's top level; every other table is reached from it. */
extern const struct keys_table keys_top;
/* One service (top level `services.<name>`). */
extern const struct keys_table keys_service;

/* The entry for `name` in `t`, or NULL.  Compares whole strings. */
const struct keys_key *keys_find (const struct keys_table *t, const char *name);

#endif
