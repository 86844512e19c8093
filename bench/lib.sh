# Shared by the bench scripts (sourced).

# address I: host I's address.
address() { echo "10.0.$(($1 / 250)).$(($1 % 250 + 2))/16"; }

# hosts N: the lab's veth-add batch, one host a line (with QUIET set, IPv6
# off on both ends: the host's and the bridge's port).
hosts() {
    i=1
    while [ "$i" -le "$1" ]; do
        echo "v$i b$i --netns h$i --addr $(address "$i") --gateway 10.0.0.1${QUIET:+ --no-ipv6 --peer-no-ipv6}"
        i=$((i + 1))
    done
}
