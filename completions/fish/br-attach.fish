complete -c br-attach -s a -l addr -d 'Add an address (CIDR, IPv4 or IPv6) to the bridge; repeatable' -r
complete -c br-attach -s d -l detach -d 'Detach PORT from the bridge instead; repeatable' -r
complete -c br-attach -l mtu -d 'MTU of the bridge' -r
complete -c br-attach -s n -l netns -d 'Work inside network namespace NS (bridge and ports are there)' -r
complete -c br-attach -l stp -d 'Turn the spanning tree protocol on (a new bridge has it off)'
complete -c br-attach -l no-stp -d 'Keep the spanning tree protocol off'
complete -c br-attach -l no-up -d 'Leave the bridge and the ports down'
complete -c br-attach -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c br-attach -s j -l json -d 'Print the bridge, its new ports and addresses as JSON'
complete -c br-attach -l dry-run -d 'Print the equivalent ip commands and change nothing'
complete -c br-attach -s V -l version -d 'Print version'
complete -c br-attach -s h -l help -d 'Print a summary of the options and examples'

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

complete -c br-attach -s d -l detach -x -a '(__vethkit_interfaces (__vethkit_option_value -n --netns))'
complete -c br-attach -s n -l netns -x -a '(__vethkit_namespaces)'
complete -c br-attach -n 'test (__vethkit_position -a --addr -d --detach --mtu -n --netns) -eq 0' -x -a '(__vethkit_interfaces (__vethkit_option_value -n --netns))'
complete -c br-attach -n 'test (__vethkit_position -a --addr -d --detach --mtu -n --netns) -ge 1' -x -a '(__vethkit_interfaces (__vethkit_option_value -n --netns))'
