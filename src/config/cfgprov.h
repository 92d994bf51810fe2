#ifndef KMIG_CONFIG_CFGPROV_H
#define KMIG_CONFIG_CFGPROV_H
/* Kafka's configuration providers (KIP-297, KIP-887) as MirrorMaker 2 applies
 * them to mm2.properties: secrets kept outside the file and referenced as
 * `${<provider>:[<path>:]<key>}` in any value.
 *
 *   config.providers = file,env,dir
 *   config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider
 *   config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider
 *   config.providers.dir.class = org.apache.kafka.common.config.provider.DirectoryConfigProvider
 *
 * The provider name is the user's choice; the class decides what it does:
 *  - FileConfigProvider: `${file:/path/secrets.properties:key}`, the key's value
 *    in that properties file;
 *  - EnvVarConfigProvider: `${env:NAME}`, an environment variable (its
 *    `param.allowlist.pattern`, a regex on names, is honoured);
 *  - DirectoryConfigProvider: `${dir:/path/dir:file}`, the whole content of the
 *    file `file` in that directory (Kubernetes secret volumes).
 * `config.providers.<name>.param.allowed.paths` (KIP-993: comma-separated
 * absolute directories) limits the file and directory providers to files under
 * them. Unlike Java, a reference kmig cannot resolve is an error, not left in
 * place. Only the top-level `config.providers*` keys count (as in MM2), and they
 * are not themselves resolved.
 *
 * Pure (reads files and the environment only). */
#include <stddef.h>

#include "config/props.h"

/* Resolves every reference in every entry of `p` not yet expanded (so a second
 * call only handles entries added since, e.g. command-line overrides). An
 * entry whose value took a provider's value is marked secret. Marks the
 * config.providers keys used. Returns 0, or -1 with
 * "origin: key: cannot resolve ${file:/p:k}: reason" in err; err never holds a
 * resolved value. */
int cfgprov_resolve(props_t *p, char *err, size_t errsz);

#endif
