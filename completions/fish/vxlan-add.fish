complete -c vxlan-add -l id -d 'The VXLAN network identifier, 1 to 16777215: the same on every machine of the segment' -r
complete -c vxlan-add -l remote -d 'A machine at the other end (unicast); repeatable, for three or more machines' -r
complete -c vxlan-add -l group -d 'A multicast group all machines of the segment join, instead of remotes' -r
complete -c vxlan-add -l local -d 'The source address of the encapsulated packets (by default the kernel picks one by a route to the remote)' -r
complete -c vxlan-add -l dev -d 'The link the encapsulated packets leave by (the machine\'s own network)' -r
complete -c vxlan-add -l port -d 'The UDP port, the same at every machine' -r
complete -c vxlan-add -l mtu -d 'MTU of the link (default: the uplink\'s less the 50 bytes VXLAN adds over IPv4, 70 over IPv6)' -r
complete -c vxlan-add -s n -l netns -d 'Work inside network namespace NS (the link and its uplink are there)' -r
complete -c vxlan-add -l no-up -d 'Leave the link down'
complete -c vxlan-add -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c vxlan-add -s j -l json -d 'Print the link\'s name, VNI, remotes, group, local address, uplink and port as JSON'
complete -c vxlan-add -l dry-run -d 'Print the equivalent ip and bridge commands and change nothing'
complete -c vxlan-add -s V -l version -d 'Print version'
complete -c vxlan-add -s h -l help -d 'Print a summary of the options and examples'

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

complete -c vxlan-add -l port -x -a '(__vethkit_interfaces (__vethkit_option_value -n --netns))'
complete -c vxlan-add -s n -l netns -x -a '(__vethkit_namespaces)'
