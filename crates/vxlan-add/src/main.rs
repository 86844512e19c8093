//! vxlan-add: create a VXLAN link (see `vxlan-add --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("vxlan-add", vxlan_add::run)
}
