#ifndef KMIG_METRICS_WEB_ASSETS_H
#define KMIG_METRICS_WEB_ASSETS_H
/* The dashboard's static files (src/web), compiled into the binary: the C
 * source is generated at build time by cmake/embed_web.cmake (CMake only, no
 * download). Each asset's bytes are followed by a NUL not counted in len.
 *
 * Ownership: static, read-only data. */
#include <stddef.h>

typedef struct web_asset {
    const char *path; /* "/index.html", "/dashboard.css", ... */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
} web_asset_t;

extern const web_asset_t web_assets[];
extern const size_t web_assets_count;

/* The asset served at `path` ("/" is /index.html), or NULL. */
const web_asset_t *web_asset_find(const char *path);

#endif
