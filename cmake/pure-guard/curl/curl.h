/* Found first on kmig_pure's include path (CMakeLists.txt): a pure module
 * (docs/ARCHITECTURE.md) must not include <curl/curl.h>. HTTP calls live in the
 * impure layer (src/awsio); the pure module builds requests and parses answers. */
#error "a pure module includes <curl/curl.h>; pure modules never talk to Kafka, ZooKeeper or HTTP"
