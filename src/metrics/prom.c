/* Prometheus text format writer: the HELP/TYPE header of a metric family and
 * one sample line, with the escaping and number spelling of exposition format
 * 0.0.4. The mirror engine calls these from its scrape callback. */
#include "metrics/prom.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Escapes backslash and newline, and double quote when in_quotes. */
static void prom_escape(sbuf_t *out, const char *s, bool in_quotes) {
    for (; *s; s++) {
        if (*s == '\\')
            sbuf_puts(out, "\\\\");
        else if (*s == '\n')
            sbuf_puts(out, "\\n");
        else if (in_quotes && *s == '"')
            sbuf_puts(out, "\\\"");
        else
            sbuf_append(out, s, 1);
    }
}

void prom_family(sbuf_t *out, const char *name, const char *type, const char *help) {
    sbuf_printf(out, "# HELP %s ", name);
    prom_escape(out, help, false);
    sbuf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* Writes `name{k="v",...}`, without braces when there are no labels. */
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
    if (isnan(value)) {
        sbuf_puts(out, " NaN\n");
    } else if (isinf(value)) {
        sbuf_puts(out, value > 0 ? " +Inf\n" : " -Inf\n");
    } else if (value == floor(value) && value >= -9223372036854775808.0 &&
               value < 9223372036854775808.0) {
        sbuf_printf(out, " %" PRId64 "\n", (int64_t)value); /* exact: value is integral */
    } else {
        /* The shortest of 15, 16 or 17 significant digits that reads back. */
        char num[32];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(num, sizeof num, "%.*g", prec, value);
            if (strtod(num, NULL) == value) break;
        }
        sbuf_printf(out, " %s\n", num);
    }
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
