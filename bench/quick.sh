#!/bin/sh
# A first look at the costs users feel, run inside a sandbox with the
# release build:   make build && tests/sandbox env PATH="$PWD/target/release:$PATH" bench/quick.sh
# Prints the median of `netns-exec NS true` against `ip netns exec NS true`
# and `nsenter`, and the wall time of one `veth-add --batch` of 1000 pairs,
# each with one end in its own namespace, an address and a default route,
# and of the netns-reset --all that undoes it.
# (The full side-by-side benchmark with iproute2 scripts is `make bench`, to come.)
set -eu
command -v hyperfine >/dev/null || { echo "quick.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
ip netns add bench-exec
hyperfine -N --warmup 20 --runs 500 --export-json /run/exec.json \
    'netns-exec bench-exec true' 'ip netns exec bench-exec true' 'nsenter --net=/run/netns/bench-exec true' >/dev/null 2>&1
python3 -c 'import json
for r in json.load(open("/run/exec.json"))["results"]:
    print("%-42s median %.3f ms" % (r["command"], r["median"] * 1e3))'
for i in $(seq 1 1000); do
    echo "v$i b$i --netns h$i --addr 10.0.$((i / 250)).$((i % 250 + 2))/16 --gateway 10.0.0.1"
done > /run/hosts
start=$(date +%s%N)
veth-add --batch /run/hosts > /run/ends
end=$(date +%s%N)
echo "veth-add --batch, 1000 pairs: $(( (end - start) / 1000000 )) ms wall; $(wc -l < /run/ends) ends printed, $(ip netns list | wc -l) namespaces"
start=$(date +%s%N)
netns-reset --all
end=$(date +%s%N)
echo "netns-reset --all of those 1000 pairs: $(( (end - start) / 1000000 )) ms wall; $(ip -o link show | wc -l) links and $(ip netns list | wc -l) namespaces left"
