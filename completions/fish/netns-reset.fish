complete -c netns-reset -l rename -d 'Bring link OLD back under the name NEW' -r
complete -c netns-reset -l all -d 'Undo everything the journal records instead'
complete -c netns-reset -l keep-netns -d 'Move the links back but keep the namespaces'
complete -c netns-reset -l missing-ok -d 'A namespace that does not exist is not an error'
complete -c netns-reset -s v -l verbose -d 'Print each change on stderr, as its command, as it is made'
complete -c netns-reset -l dry-run -d 'Print the equivalent ip (and nft, sysctl) commands and change nothing'
complete -c netns-reset -s V -l version -d 'Print version'
complete -c netns-reset -s h -l help -d 'Print a summary of the options and examples'

# vethkit: the values clap cannot know are looked up when tab is pressed.

function __vethkit_namespaces --description 'Named network namespaces'
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
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

complete -c netns-reset -n 'test (__vethkit_position --rename) -ge 0' -x -a '(__vethkit_namespaces)'
