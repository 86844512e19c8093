#!/bin/sh
# Usage (inside a scratch sandbox): bench/plan.sh N
#
# Prints what vethkit's --dry-run says of the lab of N hosts bench/lab.sh
# builds (QUIET as there): veth-add's lines for the hosts, then br-attach's
# for the bridge and its ports. br-attach plans only ports that exist, so
# the hosts are made (here, in the scratch sandbox) before it is asked.
set -eu
here=$(dirname "$0")
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
hosts "$1" > /run/hosts
veth-add --dry-run --batch /run/hosts
veth-add --batch /run/hosts > /run/ports
br-attach --dry-run br0 --addr 10.0.0.1/16 - < /run/ports
