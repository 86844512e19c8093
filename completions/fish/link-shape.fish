complete -c link-shape -l delay -d 'Delay each packet by TIME (netem; units ms, us, s)' -r
complete -c link-shape -l jitter -d 'Vary the delay by up to TIME either way (reorders packets unless --rate is given)' -r
complete -c link-shape -l loss -d 'Drop PCT of the packets, at random (1%)' -r
complete -c link-shape -l duplicate -d 'Send PCT of the packets twice' -r
complete -c link-shape -l corrupt -d 'Flip a bit in PCT of the packets' -r
complete -c link-shape -l reorder -d 'Send PCT of the packets at once, the others after the delay (needs --delay)' -r
complete -c link-shape -l rate -d 'Send at most RATE (kbit, mbit, gbit): tbf alone, netem\'s rate with the others' -r
complete -c link-shape -s n -l netns -d 'Work inside network namespace NS (the links are there)' -r
complete -c link-shape -l clear -d 'Put back the qdisc each link had before link-shape shaped it'
complete -c link-shape -l show -d 'Print each link\'s root qdisc and its settings (all links when none is named)'
complete -c link-shape -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c link-shape -s j -l json -d 'With --show: print each link\'s root qdisc as JSON'
complete -c link-shape -l dry-run -d 'Print the equivalent tc commands and change nothing'
complete -c link-shape -s V -l version -d 'Print version'
complete -c link-shape -s h -l help -d 'Print a summary of the options and examples'

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

complete -c link-shape -s n -l netns -x -a '(__vethkit_namespaces)'
complete -c link-shape -n 'test (__vethkit_position --delay --jitter --loss --duplicate --corrupt --reorder --rate -n --netns) -ge 0' -x -a '(__vethkit_interfaces (__vethkit_option_value -n --netns))'
