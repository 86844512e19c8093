complete -c veth-add -s n -l netns -d 'Put NAME in network namespace NS (created if missing)' -r
complete -c veth-add -s N -l peer-netns -d 'Put PEER in network namespace NS (created if missing)' -r
complete -c veth-add -s a -l addr -d 'Add an address (CIDR, IPv4 or IPv6) to NAME; repeatable' -r
complete -c veth-add -s A -l peer-addr -d 'Add an address (CIDR, IPv4 or IPv6) to PEER; repeatable' -r
complete -c veth-add -s g -l gateway -d 'Add a default route via IP in NAME\'s namespace; repeatable (one per family)' -r
complete -c veth-add -s G -l peer-gateway -d 'Add a default route via IP in PEER\'s namespace; repeatable (one per family)' -r
complete -c veth-add -l mtu -d 'MTU of both ends' -r
complete -c veth-add -l mac -d 'Hardware address of NAME' -r
complete -c veth-add -l peer-mac -d 'Hardware address of PEER' -r
complete -c veth-add -l batch -d 'Read one pair a line from FILE (\'-\' for stdin): NAME PEER [OPTIONS], \'#\' comments' -r -F
complete -c veth-add -l no-up -d 'Leave both ends (and the namespaces\' lo) down'
complete -c veth-add -l dry-run -d 'Print the equivalent ip commands and change nothing'
complete -c veth-add -s v -l verbose -d 'Print each step on stderr as it is applied'
complete -c veth-add -s j -l json -d 'Print one JSON object a pair instead of names'
complete -c veth-add -s h -l help -d 'Print help (see more with \'--help\')'
complete -c veth-add -s V -l version -d 'Print version'

# vethkit: the values clap cannot know are looked up when tab is pressed.

function __vethkit_namespaces --description 'Named network namespaces'
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
end

function __vethkit_interfaces --description 'Interfaces here, or in namespace $argv[1]'
    set -l in_netns
    test -n "$argv[1]"; and set in_netns -n $argv[1]
    ip $in_netns -br link show 2>/dev/null | string replace -r '[@ ].*' ''
end

function __vethkit_sysctl_keys --description 'net. sysctl keys here, or in namespace $argv[1]'
    if test -n "$argv[1]"
        netns-exec $argv[1] find /proc/sys/net -type f 2>/dev/null
    else
        find /proc/sys/net -type f 2>/dev/null
    end | string replace /proc/sys/ '' | tr ./ /.
end

function __vethkit_option_value --description 'The value of the last of these options before the cursor'
    set -l tokens (commandline -opc)
    set -l value
    for i in (seq 2 (count $tokens))
        if contains -- $tokens[$i] $argv; and test $i -lt (count $tokens)
            set value $tokens[(math $i + 1)]
        end
        for option in $argv
            string match -q -- "$option=*" $tokens[$i]; and set value (string replace -- "$option=" '' $tokens[$i])
        end
    end
    printf '%s\n' $value
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

complete -c veth-add -s n -l netns -x -a '(__vethkit_namespaces)'
complete -c veth-add -s N -l peer-netns -x -a '(__vethkit_namespaces)'
