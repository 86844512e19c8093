//! br-attach: create a bridge and attach ports to it (see `br-attach --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("br-attach", br_attach::run)
}
