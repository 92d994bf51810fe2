#include <stdio.h>
#include "metrics/http.h"
#include "metrics/prom.h"
http_server_t *http_server_new(const char *addr, http_render_fn fn, void *opaque, char *err, size_t errsz){(void)addr;(void)fn;(void)opaque;snprintf(err,errsz,"stub");return NULL;}
int http_server_port(http_server_t *s){(void)s;return 0;}
void http_server_destroy(http_server_t *s){(void)s;}
void prom_family(sbuf_t *out, const char *name, const char *type, const char *help){(void)out;(void)name;(void)type;(void)help;}
void prom_sample_i64(sbuf_t *out, const char *name, const char *const *labels, int64_t v){(void)out;(void)name;(void)labels;(void)v;}
void prom_sample(sbuf_t *out, const char *name, const char *const *labels, double v){(void)out;(void)name;(void)labels;(void)v;}
