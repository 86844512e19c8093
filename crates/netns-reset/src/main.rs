//! netns-reset: back to the default namespace (see `netns-reset --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("netns-reset", netns_reset::run)
}
