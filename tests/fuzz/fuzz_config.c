/* A fuzz target for the configuration parsers (config/props, config/mm2,
 * config/jaas): the input is an mm2.properties text; every cluster's client
 * settings for every role, every flow between two clusters and the unused-key
 * warning are resolved, and the whole input is also parsed as a JAAS text.
 * Errors are fine; crashes, leaks and undefined behaviour are not. Built as a
 * libFuzzer target with clang (-DKMIG_FUZZ=ON) and, always, into the replay
 * runner tests/fuzz/fuzz_replay.c (the unit tier's test_fuzz_config). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/jaas.h"
#include "config/mm2.h"
#include "config/props.h"
#include "core/sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = xstrndup((const char *)data, size); /* stops at a NUL, as a file would */
    char err[512];
    jaas_t j = {0};
    if (jaas_parse(text, &j, err, sizeof err) == 0) {
        (void)jaas_option(&j, "username");
        (void)jaas_module_simple_name(&j);
    }
    jaas_clear(&j);

    props_t *p = props_new();
    mm2_t *m = NULL;
    if (props_load_string(p, "fuzz.properties", text, err, sizeof err) == 0)
        m = mm2_new(p, err, sizeof err);
    for (size_t a = 0; m && a < mm2_cluster_count(m); a++) {
        const char *alias = mm2_cluster_alias(m, a);
        for (int role = MM2_CLIENT_CONSUMER; role <= MM2_CLIENT_ADMIN; role++) {
            kv_list_t l = {0};
            (void)mm2_client_settings(m, alias, (mm2_client_t)role, &l, err, sizeof err);
            kv_list_clear(&l);
        }
        for (size_t b = 0; b < mm2_cluster_count(m); b++)
            (void)mm2_flow(m, alias, mm2_cluster_alias(m, b), err, sizeof err);
    }
    if (m) (void)mm2_unused_keys_warning(m);
    mm2_destroy(m);
    props_destroy(p);
    free(text);
    return 0;
}
