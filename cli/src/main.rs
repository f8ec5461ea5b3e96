//! The `lockscope` binary: everything is in the `lockscope_cli` library.

fn main() -> std::process::ExitCode {
    lockscope_cli::main()
}
