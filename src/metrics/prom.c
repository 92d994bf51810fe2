/* Prometheus text format writer: escaping and number formatting per the
 * exposition format spec. */
#include "metrics/prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void prom_escape(sbuf_t *out, const char *s, bool quote) {
    for (; *s; s++) {
        if (*s == '\\') sbuf_puts(out, "\\\\");
        else if (*s == '\n') sbuf_puts(out, "\\n");
        else if (quote && *s == '"') sbuf_puts(out, "\\\"");
        else sbuf_append(out, s, 1);
    }
}

void prom_family(sbuf_t *out, const char *name, const char *type, const char *help) {
    sbuf_printf(out, "# HELP %s ", name);
    prom_escape(out, help, false);
    sbuf_printf(out, "\n# TYPE %s %s\n", name, type);
}

static void prom_head(sbuf_t *out, const char *name, const char *const *labels) {
    sbuf_puts(out, name);
    if (!labels || !labels[0]) return;
    sbuf_puts(out, "{");
    for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
        sbuf_printf(out, "%s%s=\"", i ? "," : "", labels[i]);
        prom_escape(out, labels[i + 1], true);
        sbuf_puts(out, "\"");
    }
    sbuf_puts(out, "}");
}

void prom_sample(sbuf_t *out, const char *name, const char *const *labels, double value) {
    prom_head(out, name, labels);
    if (isnan(value))
        sbuf_puts(out, " NaN\n");
    else if (isinf(value))
        sbuf_puts(out, value > 0 ? " +Inf\n" : " -Inf\n");
    else if (value == floor(value) && fabs(value) < 9007199254740992.0)
        sbuf_printf(out, " %" PRId64 "\n", (int64_t)value);
    else
        sbuf_printf(out, " %.17g\n", value);
}

void prom_sample_i64(sbuf_t *out, const char *name, const char *const *labels, int64_t value) {
    prom_head(out, name, labels);
    sbuf_printf(out, " %" PRId64 "\n", value);
}

bool prom_name_valid(const char *name) {
    if (!name || !*name || (*name >= '0' && *name <= '9')) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == ':'))
            return false;
    return true;
}
