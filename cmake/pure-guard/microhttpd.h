/* Found first on kmig_pure's include path (CMakeLists.txt): a pure module
 * (docs/ARCHITECTURE.md) must not include <microhttpd.h>. Move the code that needs it
 * out of the pure module, or the file out of the pure set. */
#error "a pure module includes <microhttpd.h>; pure modules never talk to Kafka, ZooKeeper or HTTP"
