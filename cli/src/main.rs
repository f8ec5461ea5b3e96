//! The `lockscope` command.

fn main() {
    println!("lockscope {}", env!("CARGO_PKG_VERSION"));
}
