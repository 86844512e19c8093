//! netns-exec: run a command inside a named network namespace (see `netns-exec --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("netns-exec", netns_exec::run)
}
