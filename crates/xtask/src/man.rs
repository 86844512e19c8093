//! A command's man page, section 8, laid out like iproute2's: clap_mangen
//! renders the title and the options from the clap definition; the other
//! sections come from the command's about text, its usage and its
//! [`Manual`](vethkit_core::manual::Manual).

use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;
use vethkit_core::manual::{ENVIRONMENT, FILES};

use crate::commands::Page;

/// Pages outside vethkit that every command's page points to.
const SEE_ALSO: &[&str] = &["ip(8)", "ip-netns(8)", "bridge(8)", "nft(8)", "sysctl(8)"];

/// The whole page of `page`'s command, dated `date`; `commands` names
/// every vethkit command, for SEE ALSO.
pub fn render(page: &Page, commands: &[&str], date: &str) -> String {
    let command = &page.command;
    let version = command.get_version().unwrap_or_default();
    let man = Man::new(command.clone())
        .section("8")
        .date(date)
        .source(format!("vethkit {version}"))
        .manual("System Manager's Manual");
    let mut text = Vec::new();
    man.render_title(&mut text).expect("writing to memory");

    let mut roff = Roff::new();
    name_section(&mut roff, page);
    synopsis_section(&mut roff, page);
    description_section(&mut roff, page);
    let mut head = String::from_utf8(text).expect("roff is text");
    head.push_str(&roff.to_roff());

    let mut options = Vec::new();
    man.render_options_section(&mut options)
        .expect("writing to memory");
    let options = String::from_utf8(options).expect("roff is text");
    // Each rendering starts with roff's preamble; the title's is enough.
    let preamble = Roff::new().render();
    head.push_str(options.strip_prefix(&preamble).unwrap_or(&options));

    let mut roff = Roff::new();
    definitions(&mut roff, "EXIT STATUS", bold, page.manual.exit_statuses);
    definitions(&mut roff, "ENVIRONMENT", bold, ENVIRONMENT);
    let files: Vec<_> = FILES.iter().chain(page.manual.files).copied().collect();
    definitions(&mut roff, "FILES", italic, &files);
    examples_section(&mut roff, page);
    see_also_section(&mut roff, page, commands);
    head.push_str(&roff.to_roff());
    head
}

/// `veth-add \- create a veth pair ...`: the about line, lower-cased and
/// without its full stop or backquotes, as man pages' NAME lines are.
fn name_section(roff: &mut Roff, page: &Page) {
    let about = page
        .command
        .get_about()
        .map(|about| about.to_string())
        .unwrap_or_default();
    let about = about.trim_end_matches('.').replace('`', "");
    let mut letters = about.chars();
    let about: String = letters
        .next()
        .map(|first| first.to_lowercase().chain(letters).collect())
        .unwrap_or_default();
    roff.control("SH", ["NAME"]);
    roff.text([roman(format!("{} - {about}", page.name()))]);
}

/// Each usage form on a line of its own: the command and its options in
/// bold, the values to fill in (upper-case words) in italics.
fn synopsis_section(roff: &mut Roff, page: &Page) {
    let usage = page
        .command
        .get_overridden_usage()
        .map(|usage| usage.to_string())
        .unwrap_or_else(|| page.command.clone().render_usage().to_string());
    roff.control("SH", ["SYNOPSIS"]);
    for (number, form) in usage
        .lines()
        .map(str::trim)
        .filter(|form| !form.is_empty())
        .enumerate()
    {
        if number > 0 {
            roff.control("br", []);
        }
        roff.text(synopsis_words(form));
    }
}

/// A usage form with its words set in bold, italics or roman.
fn synopsis_words(form: &str) -> Vec<Inline> {
    let mut inlines = Vec::new();
    let mut rest = form;
    while !rest.is_empty() {
        let word_length = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        if word_length == 0 {
            let punctuation = rest.chars().next().map_or(1, char::len_utf8);
            inlines.push(roman(&rest[..punctuation]));
            rest = &rest[punctuation..];
            continue;
        }
        let word = &rest[..word_length];
        let is_value = word.chars().any(|c| c.is_ascii_uppercase())
            && !word.chars().any(|c| c.is_ascii_lowercase());
        inlines.push(if word == "-" {
            roman(word)
        } else if is_value {
            italic(word)
        } else {
            bold(word)
        });
        rest = &rest[word_length..];
    }
    inlines
}

/// The long about text, a paragraph for each of its paragraphs, with
/// `quoted commands` in bold.
fn description_section(roff: &mut Roff, page: &Page) {
    let about = page
        .command
        .get_long_about()
        .or_else(|| page.command.get_about())
        .map(|about| about.to_string())
        .unwrap_or_default();
    roff.control("SH", ["DESCRIPTION"]);
    for (number, paragraph) in about.split("\n\n").enumerate() {
        if number > 0 {
            roff.control("PP", []);
        }
        let text = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        roff.text(with_code_in_bold(&text));
    }
}

/// Text with each `backquoted` span set in bold and its quotes dropped.
fn with_code_in_bold(text: &str) -> Vec<Inline> {
    text.split('`')
        .enumerate()
        .filter(|(_, piece)| !piece.is_empty())
        .map(|(index, piece)| {
            if index % 2 == 1 {
                bold(piece)
            } else {
                roman(piece)
            }
        })
        .collect()
}

/// A section of terms, each followed by an indented explanation.
fn definitions(roff: &mut Roff, title: &str, style: fn(String) -> Inline, items: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, meaning) in items {
        roff.control("TP", []);
        roff.text([style(term.to_string())]);
        roff.text([roman(*meaning)]);
    }
}

/// Each example in bold, what it does below it, then the lines it replaces.
fn examples_section(roff: &mut Roff, page: &Page) {
    roff.control("SH", ["EXAMPLES"]);
    for example in page.manual.examples {
        roff.control("PP", []);
        roff.text([bold(example.command)]);
        roff.control("RS", ["4"]);
        if example.replaces.is_empty() {
            roff.text([roman(example.does)]);
        } else {
            roff.text([roman(format!("{} It replaces:", example.does))]);
            roff.control("PP", []);
            roff.control("RS", ["4"]);
            roff.control("nf", []);
            for line in example.replaces {
                roff.text([roman(*line)]);
            }
            roff.control("fi", []);
            roff.control("RE", []);
        }
        roff.control("RE", []);
    }
}

/// The related pages, by section then name: iproute2's, nftables',
/// the command's own, and the other vethkit commands.
fn see_also_section(roff: &mut Roff, page: &Page, commands: &[&str]) {
    let vethkit: Vec<String> = commands
        .iter()
        .filter(|command| **command != page.name())
        .map(|command| format!("{command}(8)"))
        .collect();
    let mut pages: Vec<(&str, &str)> = SEE_ALSO
        .iter()
        .copied()
        .chain(page.manual.see_also.iter().copied())
        .chain(vethkit.iter().map(String::as_str))
        .filter_map(|reference| reference.strip_suffix(')')?.split_once('('))
        .collect();
    pages.sort_by(|(name, section), (other_name, other_section)| {
        (section, name).cmp(&(other_section, other_name))
    });
    pages.dedup();
    roff.control("SH", ["SEE ALSO"]);
    let last = pages.len().saturating_sub(1);
    for (index, (name, section)) in pages.iter().enumerate() {
        let separator = if index == last { "" } else { "," };
        // A '-' in a macro's arguments is a hyphen groff may break the line
        // at; a page's name must stay whole.
        let name = name.replace('-', "\\-");
        roff.control("BR", [name.as_str(), &format!("({section}){separator}")]);
    }
}
