//! Generates bindings against the installed libndpi headers and links `-lndpi`.
use std::{env, path::PathBuf};

fn main() {
    let include = env::var("NDPI_INCLUDE_DIR").unwrap_or_else(|_| "/usr/include/ndpi".into());
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-env-changed=NDPI_INCLUDE_DIR");
    println!("cargo:rustc-link-lib=ndpi");

    let bindings = bindgen::Builder::default()
        .header("wrapper.h")
        // ndpi_api.h includes its siblings with relative names.
        .clang_arg(format!("-I{include}"))
        .allowlist_function("ndpi_.*")
        .allowlist_function("set_ndpi_.*")
        .allowlist_type("ndpi_.*")
        .allowlist_var("NDPI_.*")
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .derive_default(true)
        .layout_tests(false)
        .generate_comments(false)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .generate()
        .unwrap_or_else(|e| {
            panic!("bindgen over {include}/ndpi_api.h failed ({e}); install Debian's libndpi-dev (4.2)")
        });
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("bindings.rs");
    bindings.write_to_file(out).expect("write bindings.rs");
}
