//! Replays the control-channel exchanges recorded from the real swtpm
//! (`tests/vectors/ctrl-swtpm-*.txt`, written by the workspace test `ctrl_vs_swtpm`): every
//! recorded request must be what our encoder produces for its decoded form, and every reply
//! must decode with our decoder, consume exactly its bytes and re-encode to the same bytes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use swtpm_protocol::consts::CtrlCmd;
use swtpm_protocol::messages::{Request, Response};

#[test]
fn recorded_swtpm_exchanges_roundtrip() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files = 0;
    let mut lines = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        files += 1;
        for (no, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 3, "{}:{}", path.display(), no + 1);
            let req_bytes = hex::decode(f[1]).unwrap();
            let rsp_bytes = hex::decode(f[2]).unwrap();
            let req = Request::decode(&req_bytes, false).unwrap();
            assert_eq!(req.encode(), req_bytes, "{}:{}", path.display(), no + 1);
            let cmd: CtrlCmd = req.cmd();
            if let Some(n) = cmd.name() {
                assert_eq!(n, f[0], "{}:{}", path.display(), no + 1);
            }
            let (rsp, used) = Response::decode(cmd, &rsp_bytes).unwrap();
            assert_eq!(
                used,
                rsp_bytes.len(),
                "{}:{} {rsp:?}",
                path.display(),
                no + 1
            );
            assert_eq!(rsp.encode(), rsp_bytes, "{}:{}", path.display(), no + 1);
            lines += 1;
        }
    }
    assert!(
        files >= 1 && lines >= 10,
        "vectors: {files} files, {lines} exchanges"
    );
}
