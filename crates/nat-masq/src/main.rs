//! nat-masq: forwarding and masquerade in nf_tables (see `nat-masq --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("nat-masq", nat_masq::run)
}
