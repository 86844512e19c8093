//! veth-add: create a veth pair (see `veth-add --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("veth-add", veth_add::run)
}
