# MirrorMaker 2 as bench/run.sh and tests/real/test_adopt_mm2.sh run it
# (connect-mirror from the jars `tests/real/kafka.sh fetch VERSION` lists):
# the properties file, its log settings and the java arguments. Sourced, not run.
#
#   mm2_config TEMPLATE FILE SRC_BOOT TGT_BOOT TOPICS TASKS
#                       write FILE: TEMPLATE (clusters `source` and `target`,
#                       e.g. bench/mm2-bench.properties) plus both clusters'
#                       bootstrap.servers, source->target.topics and tasks.max
#   mm2_args DIR LOG LIBS FILE
#                       set the array MM2_ARGS to the java arguments after the
#                       JVM options: log4j 1.x (Kafka 3.x) and 2.x (4.x)
#                       settings written to DIR that log INFO to LOG, the
#                       classpath LIBS/*, and MirrorMaker with FILE
# shellcheck shell=bash
# shellcheck disable=SC2034 # MM2_ARGS is read by the sourcing script

mm2_config() {
    {
        cat "$1"
        echo
        echo "# Added by mm2_config (bench/mm2lib.sh)"
        echo "source.bootstrap.servers = $3"
        echo "target.bootstrap.servers = $4"
        echo "source->target.topics = $5"
        echo "tasks.max = $6"
    } >"$2"
}

mm2_args() {
    local dir=$1 log=$2
    cat >"$dir/mm2-log4j.properties" <<EOL
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOL
    cat >"$dir/mm2-log4j2.properties" <<EOL
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
EOL
    MM2_ARGS=(-Dlog4j.configuration="file:$dir/mm2-log4j.properties"
        -Dlog4j2.configurationFile="$dir/mm2-log4j2.properties"
        -cp "$3/*" org.apache.kafka.connect.mirror.MirrorMaker "$4")
}
