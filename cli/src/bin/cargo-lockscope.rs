//! The `cargo-lockscope` binary (`cargo lockscope test`, `cargo lockscope
//! nextest`): everything is in the `lockscope_cli` library's `cargo` module.

fn main() -> std::process::ExitCode {
    lockscope_cli::cargo::main()
}
