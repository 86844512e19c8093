# Shared by the bench scripts (sourced).

# settle: waits until the CPUs are idle (under 5% busy over half a second),
# at most 30 s: the kernel tears the previous lab down in the background,
# and a new lab's hosts chatter (IPv6 DAD, MLD, router solicitations) for
# a few seconds. Measuring through either would measure them.
settle() {
    tries=0
    while [ "$tries" -lt 60 ]; do
        tries=$((tries + 1))
        first=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
        sleep 0.5
        second=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
        # shellcheck disable=SC2086 # four numbers
        set -- $first $second
        busy=$(($3 - $1))
        idle=$(($4 - $2))
        [ $((busy * 100)) -lt $((5 * (busy + idle + 1))) ] && return 0
    done
}

# now_ms: a monotonic-enough clock in milliseconds.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}
