/* kmig's entry point: the table of subcommands. Each subcommand lives in
 * src/cmd/cmd_<name>.c; this file only dispatches and prints usage. */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "cmd/cmd.h"
#include "core/exitcode.h"

#ifndef KMIG_VERSION
#define KMIG_VERSION "0.1.0"
#endif

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t commands[] = {
    {"apply", cmd_apply, "make the target match the plan (dry run unless --execute)"},
    {"auth", cmd_auth, "print an Amazon MSK IAM token from the AWS credential chain (debugging)"},
    {"assess", cmd_assess, "inventory a cluster, size an MSK target, list what a reviewer must know"},
    {"cutover", cmd_cutover, "order the move of services to the target; say when each is ready"},
    {"demo", cmd_demo, "mirror between two in-process mock clusters and check every record"},
    {"map", cmd_map, "print the persisted source->target offset map of a topic"},
    {"mirror", cmd_mirror, "copy topics from a source cluster to a target, with an exact offset map"},
    {"offsets", cmd_offsets, "translate consumer-group offsets exactly; --execute commits them on the target"},
    {"plan", cmd_plan, "what the target lacks: topics, partitions, configs, ACLs (or as Terraform/Strimzi)"},
    {"verify", cmd_verify, "prove the copy record by record through the offset map, and the groups"},
};

static void usage(FILE *out) {
    fprintf(out, "usage: kmig <command> [options]   (kmig <command> --help for its options)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nexit codes: 0 ok, 1 failure, 2 usage or configuration error,\n"
                 "            3 data loss detected, 4 verification mismatch,\n"
                 "            5 cutover not drained yet (kmig cutover status)\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? KMIG_EXIT_USAGE : KMIG_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("kmig %s (librdkafka %s)\n", KMIG_VERSION, rd_kafka_version_str());
        return KMIG_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "kmig: '%s' is not a command\n\n", argv[1]);
    usage(stderr);
    return KMIG_EXIT_USAGE;
}
