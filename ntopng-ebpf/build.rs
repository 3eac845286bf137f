//! Compiles `src/xdp_monitor.c` with clang for the bpf target into OUT_DIR (no prebuilt object is kept in the
//! repository), and `tests/shim/flow_hash_shim.c` for the host, linked into the integration tests only.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let include = root.join("include");
    for f in ["include/maps.h", "include/flow_hash.h", "src/xdp_monitor.c", "tests/shim/flow_hash_shim.c"] {
        println!("cargo:rerun-if-changed={f}");
    }
    println!("cargo:rerun-if-env-changed=CLANG");

    build_bpf_object(&root, &include, &out);

    // The C half of the hash-equality tests: a static archive handed to the linker of the integration tests
    // only (the library itself links no C).
    cc::Build::new()
        .file(root.join("tests/shim/flow_hash_shim.c"))
        .include(&include)
        .warnings(true)
        .cargo_metadata(false)
        .compile("ntopng_flow_hash_shim");
    println!("cargo:rustc-link-arg-tests={}", out.join("libntopng_flow_hash_shim.a").display());
}

fn build_bpf_object(root: &Path, include: &Path, out: &Path) {
    let clang = env::var("CLANG").unwrap_or_else(|_| "clang".to_string());
    match Command::new(&clang).arg("--version").output() {
        Ok(o) if o.status.success() => {}
        _ => fail(&format!(
            "`{clang}` was not found or does not run. clang is needed to compile the XDP program \
             (src/xdp_monitor.c) for the bpf target: install it (Debian: apt-get install clang, see \
             deploy/install-deps.sh) or point the CLANG environment variable at it."
        )),
    }

    let object = out.join("xdp_monitor.o");
    let mut cmd = Command::new(&clang);
    cmd.args(["-target", "bpf", "-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter"]).arg("-I").arg(include);
    // <linux/bpf.h> includes <asm/types.h>, which Debian keeps under the multiarch directory; the bpf target
    // has no multiarch directory of its own.
    if let Some(dir) = multiarch_include() {
        cmd.arg("-idirafter").arg(dir);
    }
    cmd.arg("-c").arg(root.join("src/xdp_monitor.c")).arg("-o").arg(&object);
    let output = cmd.output().unwrap_or_else(|e| fail(&format!("cannot run {clang}: {e}")));
    if !output.status.success() {
        fail(&format!(
            "clang failed to compile src/xdp_monitor.c for the bpf target ({:?}):\n{}{}\n(the kernel UAPI \
             headers come from Debian's linux-libc-dev)",
            cmd,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let warnings = String::from_utf8_lossy(&output.stderr);
    for line in warnings.lines().filter(|l| !l.trim().is_empty()) {
        println!("cargo:warning={line}");
    }
}

/// `/usr/include/<multiarch>` of the machine the build runs on, if it exists.
fn multiarch_include() -> Option<PathBuf> {
    let from_cc = Command::new("cc")
        .arg("-print-multiarch")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty());
    let guess = || {
        let arch = env::var("CARGO_CFG_TARGET_ARCH").ok()?;
        Some(format!("{arch}-linux-gnu"))
    };
    let triple = from_cc.or_else(guess)?;
    let dir = PathBuf::from("/usr/include").join(triple);
    dir.join("asm").is_dir().then_some(dir)
}

fn fail(msg: &str) -> ! {
    eprintln!("error: ntopng-ebpf: {msg}");
    panic!("ntopng-ebpf: {msg}");
}
