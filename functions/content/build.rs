//! The API's description, `infra/openapi.yaml`, turned into the JSON that `GET /openapi.json`
//! serves: built into the binary from the one document, so what is served is what is tested.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let source = manifest.join("../../infra/openapi.yaml");
    println!("cargo:rerun-if-changed={}", source.display());
    let yaml = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
    let document: serde_json::Value = serde_yaml::from_str(&yaml)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", source.display()));
    let json = serde_json::to_vec(&document).expect("a JSON value serialises");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("openapi.json"), json).expect("writing openapi.json");
}
