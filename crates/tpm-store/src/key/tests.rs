#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;

// Expected keys computed independently with Python's hashlib.pbkdf2_hmac("sha512", p,
// b"swtpm", 1000, n) and hashlib.sha512(p).
const PW: &[u8] = b"swtpm-test-passphrase\n";
const PW_PBKDF2_32: &str = "526ba18d0cdec915d0cdac63a6429584fca86881278a4ce6e11dc237dedf924b";
const PW_SHA512_32: &str = "b4be12fd540d677c5b62519a6e75c6855ef7d66d841bb92a4a12fd744a2470bb";

fn parse(s: &str) -> KeyOptions {
    KeyOptions::parse(s).unwrap()
}

fn err(s: &str) -> String {
    KeyOptions::parse(s).unwrap_err().to_string()
}

#[test]
fn defaults_and_precedence() {
    let o = parse("pwdfile=/p");
    assert_eq!(o.source, KeySource::File("/p".into()));
    assert_eq!(o.kind, KeyKind::Passphrase(Kdf::Pbkdf2));
    assert_eq!(o.mode, KeyMode::Aes128Cbc);
    assert!(!o.remove);

    let o = parse("file=/k");
    assert_eq!(o.kind, KeyKind::Key(KeyFormat::Hex));

    // file > fd > pwdfile > pwdfd
    let o = parse("pwdfd=4,pwdfile=/p,fd=3,file=/k,format=binary,mode=aes-256-cbc");
    assert_eq!(o.source, KeySource::File("/k".into()));
    assert_eq!(o.kind, KeyKind::Key(KeyFormat::Binary));
    assert_eq!(o.mode, KeyMode::Aes256Cbc);
    assert_eq!(o.named_fds, vec![3, 4]);
    let o = parse("pwdfd=4,pwdfile=/p,fd=3");
    assert_eq!(o.source, KeySource::Fd(3));
    let o = parse("pwdfd=4,pwdfile=/p,kdf=sha512");
    assert_eq!(o.source, KeySource::File("/p".into()));
    assert_eq!(o.kind, KeyKind::Passphrase(Kdf::Sha512));
    let o = parse("pwdfd=7");
    assert_eq!(o.source, KeySource::Fd(7));
    assert_eq!(parse("pwdfd=7,mode=aes-cbc").mode, KeyMode::Aes128Cbc);
}

#[test]
fn option_syntax_like_swtpm() {
    // First occurrence wins.
    assert_eq!(
        parse("file=/a,file=/b").source,
        KeySource::File("/a".into())
    );
    // Booleans: bare, true/1 in any case; anything else is false.
    assert!(parse("file=/a,remove").remove);
    assert!(parse("file=/a,remove=TRUE").remove);
    assert!(parse("file=/a,remove=1").remove);
    assert!(!parse("file=/a,remove=yes").remove);
    assert!(!parse("file=/a,remove=false").remove);
    // kdf is only looked at for passphrases.
    assert_eq!(
        parse("file=/a,kdf=bogus").source,
        KeySource::File("/a".into())
    );
    // fd numbers: strtol rules, negative means absent.
    assert_eq!(parse("fd=+5").source, KeySource::Fd(5));
    assert_eq!(parse("fd=-1,file=/k").named_fds, Vec::<i32>::new());

    assert_eq!(
        err("file=/a,bogus=1"),
        "Error parsing key options: Unknown option 'bogus=1'"
    );
    assert_eq!(
        err("file="),
        "Error parsing key options: Unknown option 'file='"
    );
    assert_eq!(
        err("file=/a,"),
        "Error parsing key options: Unknown option ''"
    );
    assert!(err("fd=3x").contains("invalid number '3x'"));
    assert!(err("fd=99999999999").contains("invalid number"));
    assert!(err("mode=aes-256-cbc").contains("Either file=, fd=, pwdfile=, or pwdfd= is required"));
    assert!(err("fd=-1").contains("is required"));
    assert!(err("file=/k,format=base64").contains("Unknown key format 'base64'."));
    assert!(err("pwdfile=/k,format=base64").contains("Unknown key format"));
    assert!(err("file=/k,mode=aes-192-cbc").contains("Unknown encryption mode 'aes-192-cbc'."));
    assert!(err("pwdfile=/k,kdf=scrypt").contains("Unknown kdf 'scrypt'."));
}

#[test]
fn passphrase_kdfs_match_independent_values() {
    let k = parse("pwdfile=/p,mode=aes-256-cbc")
        .key_from_material(PW)
        .unwrap();
    assert_eq!(hex::encode(k.expose_bytes()), PW_PBKDF2_32);
    let k = parse("pwdfile=/p").key_from_material(PW).unwrap();
    assert_eq!(hex::encode(k.expose_bytes()), &PW_PBKDF2_32[..32]);
    let k = parse("pwdfd=3,kdf=sha512,mode=aes-256-cbc")
        .key_from_material(PW)
        .unwrap();
    assert_eq!(hex::encode(k.expose_bytes()), PW_SHA512_32);
    let k = parse("pwdfd=3,kdf=sha512").key_from_material(PW).unwrap();
    assert_eq!(hex::encode(k.expose_bytes()), &PW_SHA512_32[..32]);
    // The trailing newline is part of the passphrase.
    let k2 = parse("pwdfile=/p")
        .key_from_material(&PW[..PW.len() - 1])
        .unwrap();
    assert_ne!(k2.expose_bytes(), k.expose_bytes());
    // Empty passphrase: swtpm only warns.
    assert_eq!(
        parse("pwdfile=/p").key_from_material(b"").unwrap().len(),
        16
    );
}

#[test]
fn hex_keys() {
    let h32 = "000102030405060708090a0b0c0d0e0f";
    let h64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let o128 = parse("file=/k");
    let o256 = parse("file=/k,mode=aes-256-cbc");
    let k = o128.key_from_material(h32.as_bytes()).unwrap();
    assert_eq!(hex::encode(k.expose_bytes()), h32);
    assert_eq!(
        o128.key_from_material(format!("0x{h32}\n").as_bytes())
            .unwrap(),
        k
    );
    assert_eq!(
        o128.key_from_material(format!("{}\n", h32.to_uppercase()).as_bytes())
            .unwrap(),
        k
    );
    // Whatever follows whitespace is ignored; a NUL ends the text.
    assert_eq!(
        o128.key_from_material(format!("{h32} junk").as_bytes())
            .unwrap(),
        k
    );
    assert_eq!(
        o128.key_from_material(format!("{h32}\0zz").as_bytes())
            .unwrap(),
        k
    );
    let k = o256.key_from_material(h64.as_bytes()).unwrap();
    assert!(k.is_256());

    let e = |o: &KeyOptions, s: &str| o.key_from_material(s.as_bytes()).unwrap_err().to_string();
    // Too many digits for the mode: the 33rd digit is "not whitespace".
    assert!(e(&o128, h64).contains("Could not parse key hex string into 16 byte buffer."));
    assert!(e(&o256, h32).contains("The provided key is too short. Got 16 bytes, need 32."));
    assert!(e(&o128, &h32[..30]).contains("Unsupported key length with 30 digits."));
    assert!(e(&o128, &h32[..31]).contains("Could not parse"));
    assert!(e(&o128, "").contains("Could not parse"));
    assert!(e(&o128, "0x").contains("Could not parse"));
    assert!(e(&o128, &format!("{}g", &h32[..31])).contains("Could not parse"));
    assert!(e(&o128, &format!(" {h32}")).contains("Could not parse"));
    assert!(e(&o128, &format!("+{}", &h32[1..])).contains("Could not parse"));
    assert!(e(&o128, &format!("0X{h32}")).contains("Could not parse"));
}

#[test]
fn binary_keys() {
    let o128 = parse("fd=3,format=binary");
    let o256 = parse("fd=3,format=binary,mode=aes-256-cbc");
    assert_eq!(
        o128.key_from_material(&[7; 16]).unwrap(),
        StateKey::Aes128([7; 16])
    );
    assert_eq!(
        o256.key_from_material(&[7; 32]).unwrap(),
        StateKey::Aes256([7; 32])
    );
    // swtpm: the length decides; 16 bytes with aes-256-cbc is an AES-128 key.
    assert_eq!(
        o256.key_from_material(&[7; 16]).unwrap(),
        StateKey::Aes128([7; 16])
    );
    let e = o128.key_from_material(&[7; 32]).unwrap_err().to_string();
    assert!(e.contains("Key is larger than buffer (32 > 16)."), "{e}");
    assert!(o256.key_from_material(&[7; 20]).is_err());
    assert!(o128.key_from_material(&[]).is_err());
    assert!(o256.key_from_material(&[7; 67]).is_err());
}

#[test]
fn debug_is_redacted() {
    let k = StateKey::Aes256([0xab; 32]);
    let d = format!("{k:?}");
    assert_eq!(d, "StateKey(AES-256, <redacted>)");
    assert!(!d.contains("ab"));
}

#[test]
fn read_material_file_remove_and_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pw");
    std::fs::write(&p, PW).unwrap();
    let opts = parse(&format!(
        "pwdfile={},remove=true,mode=aes-256-cbc",
        p.display()
    ));
    let m = read_material(&opts, None).unwrap();
    assert_eq!(&m[..], PW);
    assert!(!p.exists(), "remove=true unlinks the passphrase file");
    assert_eq!(
        hex::encode(opts.key_from_material(&m).unwrap().expose_bytes()),
        PW_PBKDF2_32
    );

    // A passphrase longer than one 1024-byte read is read completely.
    let long = vec![b'z'; 3000];
    std::fs::write(&p, &long).unwrap();
    let opts = parse(&format!("pwdfile={}", p.display()));
    assert_eq!(read_material(&opts, None).unwrap().len(), 3000);
    assert!(p.exists(), "remove defaults to false");

    // A key file is one read of at most 67 bytes.
    std::fs::write(&p, [1u8; 100]).unwrap();
    let opts = parse(&format!("file={},format=binary", p.display()));
    assert_eq!(read_material(&opts, None).unwrap().len(), KEY_READ_MAX);

    // fd source: a file opened by us stands in for an inherited descriptor.
    std::fs::write(&p, "0x000102030405060708090a0b0c0d0e0f\n").unwrap();
    let fd: OwnedFd = std::fs::File::open(&p).unwrap().into();
    let k = load_key("fd=9", Some(fd)).unwrap();
    assert_eq!(
        hex::encode(k.expose_bytes()),
        "000102030405060708090a0b0c0d0e0f"
    );
    assert!(load_key("fd=9", None).is_err());
    assert!(
        load_key("file=/nonexistent/ferrotpm-key", None)
            .unwrap_err()
            .to_string()
            .contains("Unable to open file")
    );
}
