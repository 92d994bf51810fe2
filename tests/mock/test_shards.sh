#!/usr/bin/env bash
# test_kill9 with the copy clients split into shards: with
# kmig.partitions.per.client = 2, the flow's 5 partitions (orders 4, audit 1)
# are copied through 3 (or more) source consumer / target producer pairs, each serving
# whole topics (mirror_shard.c). kill -9 at random moments, restarts from the
# map, and a final run leave every record on the target in order, with no
# more duplicates than reported.
export KMIG_KILL9_CONFIG="kmig.partitions.per.client = 2" KMIG_KILL9_PAIRS=3
exec bash "$(dirname "$0")/test_kill9.sh"
