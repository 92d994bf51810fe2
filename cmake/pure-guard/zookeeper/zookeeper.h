/* Found first on kmig_pure's include path (CMakeLists.txt): a pure module
 * (docs/ARCHITECTURE.md) must not include <zookeeper/zookeeper.h>. Move the code that needs it
 * out of the pure module, or the file out of the pure set. */
#error "a pure module includes <zookeeper/zookeeper.h>; pure modules never talk to Kafka, ZooKeeper or HTTP"
