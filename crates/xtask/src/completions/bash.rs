//! bash: clap's completion function, then a vethkit function registered in
//! its place that completes looked-up values and hands every other word to it.

use super::{netns_assignment, option_cases, positional_cases, Lookup, Need, Spec, HANDOVER};

/// The shell functions a vethkit bash completion may need; each file
/// carries the ones its command needs, since each is loaded on its own.
const HELPERS: &[(Need, &str)] = &[
    (Need::Always, HANDOVER),
    (
        Need::Always,
        r#"
# _vethkit_reply CUR WORDS: offer those of WORDS (one a line) that start with CUR.
_vethkit_reply() {
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$2" -- "$1"))
    compopt +o default 2>/dev/null
}
"#,
    ),
    (
        Need::Lookup(Lookup::Namespace),
        r#"
# Named network namespaces, as ip netns keeps them.
_vethkit_namespaces() {
    local path
    for path in /run/netns/*; do
        [[ -e $path ]] && printf '%s\n' "${path##*/}"
    done
}
"#,
    ),
    (
        Need::Lookup(Lookup::Interface),
        r#"
# _vethkit_interfaces [NS]: the interfaces here, or in namespace NS.
_vethkit_interfaces() {
    local name rest
    ip ${1:+-n "$1"} -br link show 2>/dev/null | while read -r name rest; do
        printf '%s\n' "${name%%@*}"
    done
}
"#,
    ),
    (
        Need::Lookup(Lookup::SysctlKey),
        r#"
# _vethkit_sysctl_keys [NS]: the net. sysctl keys here, or in namespace NS,
# spelt as sysctl spells them (a dot inside a name becomes a slash).
_vethkit_sysctl_keys() {
    ${1:+netns-exec "$1"} find /proc/sys/net -type f 2>/dev/null |
        sed 's|^/proc/sys/||; y|./|/.|'
}
"#,
    ),
    (
        Need::NetnsOption,
        r#"
# _vethkit_option_value OPTION...: the value given to the last of these
# options before the cursor.
_vethkit_option_value() {
    local i option value=
    for ((i = 1; i < COMP_CWORD; i++)); do
        for option; do
            if [[ ${COMP_WORDS[i]} == "$option" ]]; then
                value=${COMP_WORDS[i + 1]}
                [[ $value == = ]] && value=${COMP_WORDS[i + 2]}
            fi
        done
    done
    printf '%s' "$value"
}
"#,
    ),
    (
        Need::Positionals,
        r#"
# _vethkit_positionals VALUE_OPTION...: sets positionals to the indexes in
# COMP_WORDS of the words before the cursor that are neither options nor
# their values. bash splits KEY=VALUE and --option=VALUE at '='.
_vethkit_positionals() {
    local i option word after_dashes=
    positionals=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [[ -n $after_dashes || $word == - ]]; then
            positionals+=("$i")
        elif [[ $word == -- ]]; then
            after_dashes=1
        elif [[ $word == = ]]; then
            ((i += 1))
        elif [[ $word == -* ]]; then
            for option; do
                if [[ $word == "$option" ]]; then
                    [[ ${COMP_WORDS[i + 1]} == = ]] && ((i += 1))
                    ((i += 1))
                    break
                fi
            done
        else
            positionals+=("$i")
        fi
    done
}
"#,
    ),
    (
        Need::Lookup(Lookup::Command),
        r#"
# _vethkit_command INDEX: complete a command line starting at COMP_WORDS[INDEX].
_vethkit_command() {
    if declare -F _comp_command_offset >/dev/null; then
        _comp_command_offset "$1"
    elif declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    elif (($1 == COMP_CWORD)); then
        _vethkit_reply "${COMP_WORDS[COMP_CWORD]}" "$(compgen -c)"
    else
        COMPREPLY=($(compgen -f -- "${COMP_WORDS[COMP_CWORD]}"))
    fi
}
"#,
    ),
];

/// clap's script for the command, then vethkit's function for it.
pub fn render(spec: &Spec, generated: &str) -> String {
    let clap_function = format!("_{}", spec.name.replace('-', "__"));
    let function = format!("_vethkit_{}", spec.name.replace('-', "_"));
    let netns = netns_assignment(spec);
    let options = option_cases(spec, "$prev", option_reply);
    let positionals = positional_cases(spec, "${#positionals[@]}", positional_reply);
    format!(
        r#"{generated}{helpers}
{function}() {{
    local cur=$2 prev=$3 netns= positionals
    if [[ $prev == = ]]; then
        prev=${{COMP_WORDS[COMP_CWORD - 2]}}
        if [[ $prev != -* ]]; then
            _vethkit_reply "$cur" ""
            return
        fi
    fi
{netns}{options}{positionals}    {clap_function} "$@"
}}

if [[ "${{BASH_VERSINFO[0]}}" -eq 4 && "${{BASH_VERSINFO[1]}}" -ge 4 || "${{BASH_VERSINFO[0]}}" -gt 4 ]]; then
    complete -F {function} -o nosort -o bashdefault -o default {name}
else
    complete -F {function} -o bashdefault -o default {name}
fi
"#,
        helpers = spec.helpers(HELPERS),
        name = spec.name,
    )
}

/// The words offered for a `lookup` value, as a shell expression.
fn words(lookup: Lookup) -> &'static str {
    match lookup {
        Lookup::Namespace => "$(_vethkit_namespaces)",
        Lookup::Interface => "$(_vethkit_interfaces \"$netns\")",
        Lookup::SysctlKey => "$(_vethkit_sysctl_keys \"$netns\")",
        Lookup::Command => "$(compgen -c)",
    }
}

/// Completes an option's `lookup` value.
fn option_reply(lookup: Lookup) -> String {
    format!("_vethkit_reply \"$cur\" \"{}\"", words(lookup))
}

/// Completes the positional at `place`; a word starting with '-' is left
/// to clap (it is an option), except in a command line to run.
fn positional_reply(lookup: Lookup, place: usize) -> String {
    match lookup {
        Lookup::Command => {
            format!("_vethkit_command \"${{positionals[{place}]:-$COMP_CWORD}}\"; return")
        }
        _ => format!(
            "[[ $cur == -* ]] || {{ {}; return; }}",
            option_reply(lookup)
        ),
    }
}
