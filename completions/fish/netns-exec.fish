complete -c netns-exec -l create -d 'Create the namespace first if it is missing'
complete -c netns-exec -s V -l version -d 'Print version'
complete -c netns-exec -s h -l help -d 'Print a summary of the options and examples'

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

complete -c netns-exec -n 'test (__vethkit_position) -eq 0' -x -a '(__vethkit_namespaces)'
complete -c netns-exec -n 'test (__vethkit_position) -ge 1' -x -a '(__fish_complete_subcommand --fcs-skip=2)'
