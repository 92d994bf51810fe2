#ifndef KMIG_CONFIG_PROPS_H
#define KMIG_CONFIG_PROPS_H
/* Java .properties files (the format of MirrorMaker 2's mm2.properties):
 * `key=value`, `key: value` or `key value`; `#` and `!` comments; backslash
 * line continuation; \t \n \r \f \uXXXX and escaped separators. Every entry
 * remembers where it came from ("file:line") for error messages. A later entry
 * for the same key wins, as in java.util.Properties.
 *
 * Ownership: props_t owns all strings; returned entries stay valid until
 * props_destroy(), which wipes secret values. Pure: no Kafka I/O. */
#include <stdbool.h>
#include <stddef.h>

typedef struct props_entry {
    char *key;
    char *value;
    char *origin; /* "path:line", or e.g. "--topics" for a command-line override */
    bool used;    /* set by whoever consumes the key (see props_get) */
    bool secret;  /* the value holds a config provider's value (cfgprov.h): never print it */
    bool expanded; /* cfgprov_resolve() has looked at this entry */
} props_entry_t;

typedef struct props props_t;

props_t *props_new(void);
void props_destroy(props_t *p); /* accepts NULL */

/* Parses a file / a string named `name` and adds its entries. Returns 0, or -1
 * with "path:line: reason" in err. */
int props_load_file(props_t *p, const char *path, char *err, size_t errsz);
int props_load_string(props_t *p, const char *name, const char *text, char *err, size_t errsz);

/* Adds or overrides one entry (command-line flags). */
void props_set(props_t *p, const char *key, const char *value, const char *origin);

/* The winning entry for `key`, or NULL. Marks it used. */
props_entry_t *props_get(props_t *p, const char *key);

size_t props_count(const props_t *p);
props_entry_t *props_at(props_t *p, size_t i); /* in file order; overridden entries are skipped */

#endif
