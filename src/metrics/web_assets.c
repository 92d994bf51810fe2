/* Looks up the dashboard's embedded files (the table itself is generated from
 * src/web by cmake/embed_web.cmake; see web_assets.h). */
#include "metrics/web_assets.h"

#include <string.h>

const web_asset_t *web_asset_find(const char *path) {
    if (!strcmp(path, "/")) path = "/index.html";
    for (size_t i = 0; i < web_assets_count; i++)
        if (!strcmp(web_assets[i].path, path)) return &web_assets[i];
    return NULL;
}
