//! Generates the gRPC service (`proto/remote.proto`) with tonic, using the
//! `protoc` that `protoc-bin-vendored` ships (no system protoc needed).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/remote.proto");
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; prost-build reads PROTOC from the environment.
    unsafe { std::env::set_var("PROTOC", protoc) };
    tonic_prost_build::configure().compile_protos(&["proto/remote.proto"], &["proto"])?;
    Ok(())
}
