#!/bin/sh
# Usage (inside a sandbox): bench/exec.sh RUNS RSS_LOG
# Prints the median time, in microseconds, of running `true` in a
# namespace with netns-exec, ip netns exec and nsenter, one line each, and
# appends netns-exec's peak memory to RSS_LOG.
set -eu
runs=$1
ip netns add bench
netns-exec bench true
vethkit-bench rss "$2" netns-exec bench true
for command in "netns-exec bench" "ip netns exec bench" "nsenter --net=/run/netns/bench"; do
    # shellcheck disable=SC2086 # the command's words
    vethkit-bench time "$runs" $command true
done
