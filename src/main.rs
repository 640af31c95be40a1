//! The `rastagg` command line.
fn main() {}
