complete -c sysctl-set -s n -l netns -d 'Work on the sysctls of network namespace NS' -r
complete -c sysctl-set -l restore -d 'Put back the values recorded before the first change (of KEYs, or all)'
complete -c sysctl-set -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c sysctl-set -l dry-run -d 'Print the equivalent sysctl commands and change nothing'
complete -c sysctl-set -s V -l version -d 'Print version'
complete -c sysctl-set -s h -l help -d 'Print a summary of the options and examples'

# vethkit: the values clap cannot know are looked up when tab is pressed.

function __vethkit_namespaces --description 'Named network namespaces'
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
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

complete -c sysctl-set -s n -l netns -x -a '(__vethkit_namespaces)'
complete -c sysctl-set -n 'test (__vethkit_position -n --netns) -ge 0' -x -a '(__vethkit_sysctl_keys (__vethkit_option_value -n --netns))'
