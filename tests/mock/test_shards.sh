#!/usr/bin/env bash
# test_kill9 with the copy clients split into shards: with
# kmig.partitions.per.client = 1, the flow's 5 partitions (orders 4, audit 1)
# make 5 (or more) source consumer / target producer pairs, each serving whole
# topics (mirror_shard.c), with a fifth of the prefetch each (below
# message.max.bytes: the fetch stays at least that). kill -9 at random
# moments, restarts from the map, and a final run leave every record on the
# target in order, with no more duplicates than reported.
export KMIG_KILL9_CONFIG="kmig.partitions.per.client = 1" KMIG_KILL9_PAIRS=5
exec bash "$(dirname "$0")/test_kill9.sh"
