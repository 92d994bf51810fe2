#ifndef KMIG_CONFIG_JAAS_H
#define KMIG_CONFIG_JAAS_H
/* The value of the Java client setting `sasl.jaas.config`: exactly one login
 * module entry, `<LoginModuleClass> <flag> (<name>=<value>)* ;`, tokenized as
 * Kafka's JaasConfig does (java.io.StreamTokenizer): values are bare words or
 * '...'/"..." strings with backslash escapes; // and slash-star comments.
 * kmig also accepts bare values that start with a digit (Java rejects them).
 *
 * Ownership: jaas_t owns its strings; jaas_clear() releases them. Pure. Error
 * messages never contain option values or option names (they may be secrets
 * when the text is malformed); they give the character position instead. */
#include <stddef.h>

typedef struct jaas_option {
    char *name;
    char *value;
} jaas_option_t;

typedef struct jaas {
    char *module; /* login module class, e.g. org.apache...plain.PlainLoginModule */
    char *flag;   /* control flag as written: required, requisite, sufficient or optional */
    jaas_option_t *options;
    size_t n_options;
} jaas_t;

/* Fills *out (which must be zeroed or cleared). Returns 0, or -1 with a reason
 * in err and *out left empty. */
int jaas_parse(const char *text, jaas_t *out, char *err, size_t errsz);

/* The value of option `name` (last one wins), or NULL. */
const char *jaas_option(const jaas_t *j, const char *name);

/* The last dot-separated part of the module class, e.g. "PlainLoginModule". */
const char *jaas_module_simple_name(const jaas_t *j);

void jaas_clear(jaas_t *j); /* frees and zeroes; accepts a zeroed jaas_t */

#endif
