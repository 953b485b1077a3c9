#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;

fn put_slot(img: &mut [u8], i: usize, s: Slot) {
    let o = 12 + 12 * i;
    img[o..o + 4].copy_from_slice(&s.offset.to_le_bytes());
    img[o + 4..o + 8].copy_from_slice(&s.data_length.to_le_bytes());
    img[o + 8..o + 12].copy_from_slice(&s.section_length.to_le_bytes());
}

#[test]
fn format_new_and_zeroed() {
    let (l, formatted) = Linear::open(Vec::new()).unwrap();
    assert!(formatted);
    let img = l.into_backing();
    assert_eq!(img.len(), 192);
    // Magic bytes on disk as the fact sheet lists them.
    assert_eq!(&img[..8], &[0x6e, 0x69, 0x6c, 0x6d, 0x70, 0x74, 0x77, 0x73]);
    assert_eq!(img[8], 1);
    assert_eq!(&img[10..12], &[192, 0]);
    assert!(img[12..].iter().all(|b| *b == 0));
    let (_, formatted) = Linear::open(img).unwrap();
    assert!(!formatted);
    let (_, formatted) = Linear::open(vec![0u8; 4096]).unwrap();
    assert!(formatted);
}

#[test]
fn store_grow_delete_compacts() {
    let (mut l, _) = Linear::open(Vec::new()).unwrap();
    l.store(StateName::Permanent, &[1; 100]).unwrap();
    l.store(StateName::Volatile, &[2; 300]).unwrap();
    l.store(StateName::SaveState, &[3; 10]).unwrap();
    let h = l.header().clone();
    assert_eq!(
        h.slots[0],
        Slot {
            offset: 192,
            data_length: 100,
            section_length: 128
        }
    );
    assert_eq!(
        h.slots[1],
        Slot {
            offset: 320,
            data_length: 300,
            section_length: 512
        }
    );
    assert_eq!(
        h.slots[2],
        Slot {
            offset: 832,
            data_length: 10,
            section_length: 16
        }
    );
    assert_eq!(l.backing().len(), 848);
    // Smaller rewrite stays in place.
    l.store(StateName::Permanent, &[4; 20]).unwrap();
    assert_eq!(
        l.header().slots[0],
        Slot {
            offset: 192,
            data_length: 20,
            section_length: 128
        }
    );
    // Outgrowing: removed, later sections move down, re-appended at the end.
    l.store(StateName::Permanent, &[5; 200]).unwrap();
    let h = l.header().clone();
    assert_eq!(h.slots[1].offset, 192);
    assert_eq!(h.slots[2].offset, 704);
    assert_eq!(
        h.slots[0],
        Slot {
            offset: 720,
            data_length: 200,
            section_length: 256
        }
    );
    assert_eq!(
        &l.load(StateName::Volatile).unwrap().unwrap()[..],
        &[2; 300][..]
    );
    assert_eq!(
        &l.load(StateName::SaveState).unwrap().unwrap()[..],
        &[3; 10][..]
    );
    assert_eq!(
        &l.load(StateName::Permanent).unwrap().unwrap()[..],
        &[5; 200][..]
    );
    // Delete compacts and shrinks.
    assert!(l.delete(StateName::Volatile).unwrap());
    assert!(!l.delete(StateName::Volatile).unwrap());
    assert_eq!(l.header().slots[2].offset, 192);
    assert_eq!(l.header().slots[0].offset, 208);
    assert_eq!(l.backing().len(), 464);
    assert!(l.load(StateName::Volatile).unwrap().is_none());
    assert_eq!(
        &l.load(StateName::Permanent).unwrap().unwrap()[..],
        &[5; 200][..]
    );
    // Reopen from bytes: same content.
    let (l2, f) = Linear::open(l.into_backing()).unwrap();
    assert!(!f);
    assert_eq!(
        &l2.load(StateName::SaveState).unwrap().unwrap()[..],
        &[3; 10][..]
    );
}

#[test]
fn hostile_headers_are_refused() {
    let mut base = LinearHeader::default().encode().to_vec();
    base.resize(1024, 0);
    let check = |s: Slot| {
        let mut img = base.clone();
        put_slot(&mut img, 0, s);
        Linear::open(img).map(|_| ())
    };
    // swtpm#1170-1174: offsets/lengths near u32::MAX must not wrap.
    assert!(
        check(Slot {
            offset: u32::MAX,
            data_length: 16,
            section_length: 16
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 192,
            data_length: u32::MAX,
            section_length: u32::MAX
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 0xffff_fff0,
            data_length: 0x20,
            section_length: 0x20
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 200,
            data_length: 100,
            section_length: 50
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 100,
            data_length: 1,
            section_length: 1
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 1000,
            data_length: 1,
            section_length: 32
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 0,
            data_length: 1,
            section_length: 0
        })
        .is_err()
    );
    assert!(
        check(Slot {
            offset: 192,
            data_length: 8,
            section_length: 832
        })
        .is_ok()
    );
    // Overlapping sections.
    let mut img = base.clone();
    put_slot(
        &mut img,
        0,
        Slot {
            offset: 192,
            data_length: 8,
            section_length: 64,
        },
    );
    put_slot(
        &mut img,
        5,
        Slot {
            offset: 200,
            data_length: 8,
            section_length: 8,
        },
    );
    assert!(Linear::open(img).is_err());
    // Newer version, wrong header size, header cut short.
    let mut img = base.clone();
    img[8] = 2;
    assert!(Linear::open(img).is_err());
    let mut img = base.clone();
    img[10] = 0xff;
    assert!(Linear::open(img).is_err());
    assert!(LinearHeader::parse(&base[..100], 100).is_err());
}

#[test]
fn file_backing_round_trip_and_lock() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("state.img");
    let (mut l, formatted) = open_file(&p, Some(0o600)).unwrap();
    assert!(formatted);
    crate::lock::lock_with_retries(l.backing().file(), &p, 0).unwrap();
    l.store(StateName::Permanent, b"wrapped blob").unwrap();
    drop(l);
    let (l, formatted) = open_file(&p, None).unwrap();
    assert!(!formatted);
    assert_eq!(
        &l.load(StateName::Permanent).unwrap().unwrap()[..],
        b"wrapped blob"
    );
    assert_eq!(std::fs::metadata(&p).unwrap().len(), 192 + 16);
    let link = d.path().join("link");
    std::os::unix::fs::symlink(&p, &link).unwrap();
    assert!(matches!(open_file(&link, None), Err(Error::Symlink(_))));
}
