//! `cargo xtask demo`: build the example plugins and run the demo host
//! (`examples/host-demo`), which loads them and shows them working.

use anyhow::Result;

use crate::{cargo, guests};

pub fn run() -> Result<()> {
    guests::build()?;
    crate::run(cargo().args(["run", "--quiet", "--package", "host-demo"]))
}
