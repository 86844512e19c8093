//! link-shape: delay, loss and a rate on links (see `link-shape --help`).

fn main() -> std::process::ExitCode {
    vethkit_core::cli::main("link-shape", link_shape::run)
}
