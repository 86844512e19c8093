//! fish: clap's `complete` lines, then vethkit's lines offering looked-up
//! values (fish takes the candidates of every line that applies).

use super::{Lookup, Need, Spec};

/// The shell functions a vethkit fish completion may need; each file
/// carries the ones its command needs, since each is loaded on its own.
const HELPERS: &[(Need, &str)] = &[
    (
        Need::Always,
        r#"
# vethkit: the values clap cannot know are looked up when tab is pressed.
"#,
    ),
    (
        Need::Lookup(Lookup::Namespace),
        r#"
function __vethkit_namespaces --description 'Named network namespaces'
    for path in /run/netns/*
        string replace -r '.*/' '' -- $path
    end
end
"#,
    ),
    (
        Need::Lookup(Lookup::Interface),
        r#"
function __vethkit_interfaces --description 'Interfaces here, or in namespace $argv[1]'
    set -l in_netns
    test -n "$argv[1]"; and set in_netns -n $argv[1]
    ip $in_netns -br link show 2>/dev/null | string replace -r '[@ ].*' ''
end
"#,
    ),
    (
        Need::Lookup(Lookup::SysctlKey),
        r#"
function __vethkit_sysctl_keys --description 'net. sysctl keys here, or in namespace $argv[1]'
    if test -n "$argv[1]"
        netns-exec $argv[1] find /proc/sys/net -type f 2>/dev/null
    else
        find /proc/sys/net -type f 2>/dev/null
    end | string replace /proc/sys/ '' | tr ./ /.
end
"#,
    ),
    (
        Need::NetnsOption,
        r#"
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
"#,
    ),
    (
        Need::Positionals,
        r#"
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
"#,
    ),
];

/// clap's lines for the command, then vethkit's.
pub fn render(spec: &Spec, generated: &str) -> String {
    let name = &spec.name;
    let netns = if spec.netns_option.is_empty() {
        String::new()
    } else {
        format!(" (__vethkit_option_value {})", spec.netns_option.join(" "))
    };
    let mut lines = String::new();
    for (option, lookup) in spec.looked_up_options() {
        let spellings: Vec<String> = option
            .spellings
            .iter()
            .map(|spelling| match spelling.strip_prefix("--") {
                Some(long) => format!("-l {long}"),
                None => format!("-s {}", spelling.trim_start_matches('-')),
            })
            .collect();
        lines.push_str(&format!(
            "complete -c {name} {} -x -a '{}'\n",
            spellings.join(" "),
            candidates(lookup, &netns, spec, 0)
        ));
    }
    let value_options = spec.value_option_arguments();
    for (place, positional, lookup) in spec.looked_up_positionals() {
        let test = if positional.many { "-ge" } else { "-eq" };
        lines.push_str(&format!(
            "complete -c {name} -n 'test (__vethkit_position{value_options}) {test} {place}' -x -a '{}'\n",
            candidates(lookup, &netns, spec, place + 1)
        ));
    }
    format!("{generated}{}\n{lines}", spec.helpers(HELPERS))
}

/// The fish command substitution giving a `lookup` value's candidates; a
/// command to run starts after the first `words_before` non-option words.
fn candidates(lookup: Lookup, netns: &str, spec: &Spec, words_before: usize) -> String {
    match lookup {
        Lookup::Namespace => "(__vethkit_namespaces)".to_string(),
        Lookup::Interface => format!("(__vethkit_interfaces{netns})"),
        Lookup::SysctlKey => format!("(__vethkit_sysctl_keys{netns})"),
        Lookup::Command => format!(
            "(__fish_complete_subcommand --fcs-skip={words_before}{})",
            spec.value_option_arguments()
        ),
    }
}
