//! zsh: clap's `_arguments` function, kept under another name, and a
//! vethkit function in its place that completes looked-up values and hands
//! every other word to it.

use super::{
    case_block, netns_assignment, option_cases, positional_cases, Lookup, Need, Spec, HANDOVER,
};

/// The shell functions a vethkit zsh completion may need; each file
/// carries the ones its command needs, since each is loaded on its own.
const HELPERS: &[(Need, &str)] = &[
    (Need::Always, HANDOVER),
    (
        Need::Lookup(Lookup::Namespace),
        r#"
# Named network namespaces, as ip netns keeps them.
(( $+functions[_vethkit_namespaces] )) ||
_vethkit_namespaces() {
    local expl
    _wanted namespaces expl 'network namespace' compadd -- /run/netns/*(N:t)
}
"#,
    ),
    (
        Need::Lookup(Lookup::Interface),
        r#"
# _vethkit_interfaces [NS]: the interfaces here, or in namespace NS.
(( $+functions[_vethkit_interfaces] )) ||
_vethkit_interfaces() {
    local expl
    local -a names
    names=(${${(f)"$(ip ${1:+-n} $1 -br link show 2>/dev/null)"}%%[@ ]*})
    _wanted interfaces expl 'interface' compadd -a names
}
"#,
    ),
    (
        Need::Lookup(Lookup::SysctlKey),
        r#"
# _vethkit_sysctl_keys [NS]: the net. sysctl keys here, or in namespace NS,
# spelt as sysctl spells them (a dot inside a name becomes a slash).
(( $+functions[_vethkit_sysctl_keys] )) ||
_vethkit_sysctl_keys() {
    local expl
    local -a keys
    keys=(${(f)"$(${1:+netns-exec} $1 find /proc/sys/net -type f 2>/dev/null |
        sed 's|^/proc/sys/||; y|./|/.|')"})
    _wanted sysctl-keys expl 'sysctl key' compadd -S '=' -q -a keys
}
"#,
    ),
    (
        Need::NetnsOption,
        r#"
# _vethkit_option_value OPTION...: the value given to the last of these
# options before the cursor.
(( $+functions[_vethkit_option_value] )) ||
_vethkit_option_value() {
    local i option value
    for (( i = 2; i < CURRENT; i++ )); do
        for option; do
            [[ $words[i] == $option ]] && value=$words[i+1]
            [[ $words[i] == $option=* ]] && value=${words[i]#*=}
        done
    done
    print -r -- $value
}
"#,
    ),
    (
        Need::Positionals,
        r#"
# _vethkit_positionals VALUE_OPTION...: sets positionals to the indexes in
# words of the words before the cursor that are neither options nor their values.
(( $+functions[_vethkit_positionals] )) ||
_vethkit_positionals() {
    local i after_dashes
    positionals=()
    for (( i = 2; i < CURRENT; i++ )); do
        if [[ -n $after_dashes || $words[i] == - ]]; then
            positionals+=($i)
        elif [[ $words[i] == -- ]]; then
            after_dashes=1
        elif [[ $words[i] == -* ]]; then
            (( $argv[(Ie)$words[i]] )) && (( i++ ))
        else
            positionals+=($i)
        fi
    done
}
"#,
    ),
    (
        Need::Lookup(Lookup::Command),
        r#"
# _vethkit_command INDEX: complete a command line starting at words[INDEX].
(( $+functions[_vethkit_command] )) ||
_vethkit_command() {
    words=("${(@)words[$1,-1]}")
    (( CURRENT -= $1 - 1 ))
    _normal
}
"#,
    ),
];

/// clap's script for the command, with vethkit's function put in place of
/// clap's before the script registers it.
pub fn render(spec: &Spec, generated: &str) -> String {
    let function = format!("_{}", spec.name);
    let registration = format!("\nif [ \"$funcstack[1]\" = \"{function}\" ]; then");
    let (clap_part, clap_registration) = generated.split_once(&registration).unwrap_or_else(|| {
        panic!("clap_complete's zsh script no longer ends with {registration:?}")
    });
    let netns = netns_assignment(spec);
    let options = option_cases(spec, "$words[CURRENT-1]", option_reply);
    let attached = case_block(
        "$PREFIX",
        spec.looked_up_options().filter_map(|(option, lookup)| {
            let long = option
                .spellings
                .iter()
                .find(|spelling| spelling.starts_with("--"))?;
            Some((
                format!("{long}=*"),
                format!("compset -P '*='; {}; return", option_reply(lookup)),
            ))
        }),
    );
    let positionals = positional_cases(spec, "$#positionals", positional_reply);
    format!(
        r#"{clap_part}
{helpers}
functions[{function}_clap]=$functions[{function}]

{function}() {{
    local netns
    local -a positionals
{netns}{options}{attached}{positionals}    {function}_clap "$@"
}}
{registration}{clap_registration}
"#,
        helpers = spec.helpers(HELPERS),
    )
}

/// Completes an option's `lookup` value.
fn option_reply(lookup: Lookup) -> String {
    match lookup {
        Lookup::Namespace => "_vethkit_namespaces",
        Lookup::Interface => "_vethkit_interfaces $netns",
        Lookup::SysctlKey => "_vethkit_sysctl_keys $netns",
        Lookup::Command => "_command_names -e",
    }
    .to_string()
}

/// Completes the positional at `place`; a word starting with '-' is left
/// to clap (it is an option), except in a command line to run.
fn positional_reply(lookup: Lookup, place: usize) -> String {
    match lookup {
        Lookup::Command => format!(
            "_vethkit_command ${{positionals[{}]:-$CURRENT}}; return",
            place + 1
        ),
        _ => format!(
            "[[ $PREFIX == -* ]] || {{ {}; return }}",
            option_reply(lookup)
        ),
    }
}
