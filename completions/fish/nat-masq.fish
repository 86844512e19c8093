complete -c nat-masq -s p -l publish -d 'Send connections to HOSTPORT (on HOSTIP, or on every address of this host) on to ADDR:PORT, a host on the bridge; IPv6 addresses in brackets; TCP unless /udp (repeatable)' -r
complete -c nat-masq -l delete -d 'Remove vethkit\'s rules for BRIDGE (only those of SUBNETs and published ports, when given)'
complete -c nat-masq -l list -d 'Show vethkit\'s rules (those of BRIDGE, when given)'
complete -c nat-masq -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c nat-masq -s j -l json -d 'Print the rules as one JSON array: those of BRIDGE once done, or all of vethkit\'s with no BRIDGE'
complete -c nat-masq -l dry-run -d 'Print the equivalent commands (an nft -f here-document, sysctl -w) for sh, and change nothing'
complete -c nat-masq -s V -l version -d 'Print version'
complete -c nat-masq -s h -l help -d 'Print a summary of the options and examples'

# vethkit: the values clap cannot know are looked up when tab is pressed.

function __vethkit_interfaces --description 'Interfaces here, or in namespace $argv[1]'
    set -l in_netns
    test -n "$argv[1]"; and set in_netns -n $argv[1]
    ip $in_netns -br link show 2>/dev/null | string replace -r '[@ ].*' ''
end

function __vethkit_position --description 'How many words before the cursor are neither options nor their values'
    set -l count 0
    set -l skip_value 0
    set -l after_dashes 0
    for token in (commandline -opc)[2..-1]
        if test $skip_value -eq 1
            set skip_value 0
        else if test $after_dashes -eq 1; or test "$token" = -
            set count (math $count + 1)
        else if test "$token" = --
            set after_dashes 1
        else if string match -q -- '-*' $token
            contains -- $token $argv; and set skip_value 1
        else
            set count (math $count + 1)
        end
    end
    echo $count
end

complete -c nat-masq -n 'test (__vethkit_position -p --publish) -eq 0' -x -a '(__vethkit_interfaces)'
