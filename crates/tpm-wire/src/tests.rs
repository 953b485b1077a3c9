//! Property tests: round trips, and no panic on any input.
#![allow(dead_code)]

use proptest::prelude::*;

use crate::*;

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    a: u8,
    b: u16,
    c: u32,
    d: u64,
    e: i8,
    buf: SizedBuf<16>,
    list: List<u16, 4>,
}
wire_struct!(Sample {
    a,
    b,
    c,
    d,
    e,
    buf,
    list
});

#[derive(Debug, Clone, PartialEq)]
struct Nested {
    inner: Sample,
}
wire_sized!(Nested { inner });

wire_enum! {
    /// A test enum.
    pub struct Color(u16) {
        /// red
        RED = 1,
        /// green
        GREEN = 2,
    }
}

wire_bits! {
    /// A test bit field.
    pub struct Flags(u32) reserved = 0xFFFF_0000; {
        /// a
        A = 1,
        /// b
        B = 2,
    }
}

fn sample() -> impl Strategy<Value = Sample> {
    (
        any::<u8>(),
        any::<u16>(),
        any::<u32>(),
        any::<u64>(),
        any::<i8>(),
        proptest::collection::vec(any::<u8>(), 0..=16),
        proptest::collection::vec(any::<u16>(), 0..=4),
    )
        .prop_map(|(a, b, c, d, e, buf, list)| Sample {
            a,
            b,
            c,
            d,
            e,
            buf: SizedBuf::new(&buf).unwrap(),
            list: List::from_vec(list).unwrap(),
        })
}

proptest! {
    #[test]
    fn struct_round_trip(s in sample()) {
        let bytes = to_vec(&s);
        prop_assert_eq!(bytes.len(), s.marshalled_len());
        let back: Sample = from_bytes(&bytes, &Profile::ALL).unwrap();
        prop_assert_eq!(&back, &s);
        let n = Nested { inner: s };
        let nb = to_vec(&n);
        let back: Nested = from_bytes(&nb, &Profile::ALL).unwrap();
        prop_assert_eq!(back, n);
    }

    #[test]
    fn truncation_is_insufficient(s in sample(), cut in any::<prop::sample::Index>()) {
        let bytes = to_vec(&s);
        let cut = cut.index(bytes.len());
        prop_assert_eq!(from_bytes::<Sample>(&bytes[..cut], &Profile::ALL), Err(WireError::Insufficient));
    }

    #[test]
    fn trailing_is_rejected(s in sample(), extra in 1usize..8) {
        let mut bytes = to_vec(&s);
        bytes.extend(std::iter::repeat_n(0, extra));
        prop_assert_eq!(from_bytes::<Sample>(&bytes, &Profile::ALL), Err(WireError::Trailing));
    }

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = from_bytes::<Sample>(&bytes, &Profile::ALL);
        let _ = from_bytes::<Nested>(&bytes, &Profile::ALL);
        let _ = from_bytes::<List<Sample, 1000>>(&bytes, &Profile::ALL);
        let _ = from_bytes::<Flags>(&bytes, &Profile::ALL);
    }

    #[test]
    fn writer_into_small_slice_never_panics(s in sample(), len in 0usize..64) {
        let mut buf = vec![0u8; len];
        let mut w = Writer::new(&mut buf);
        s.marshal(&mut w);
        let full = s.marshalled_len();
        prop_assert_eq!(w.finish().is_ok(), full <= len);
    }
}

#[test]
fn enum_and_bits() {
    assert_eq!(Color::GREEN.name(), Some("GREEN"));
    assert_eq!(format!("{:?}", Color(9)), "Color(0x0009)");
    assert_eq!(format!("{:?}", Color::RED), "RED");
    assert_eq!(from_bytes::<Color>(&[0, 9], &Profile::ALL), Ok(Color(9)));
    assert_eq!(
        from_bytes::<Flags>(&[0, 1, 0, 0], &Profile::ALL),
        Err(WireError::ReservedBits)
    );
    let f = from_bytes::<Flags>(&[0, 0, 0, 3], &Profile::ALL).unwrap();
    assert!(f.contains(Flags::A | Flags::B));
    assert_eq!(format!("{f:?}"), "Flags(0x3 A B)");
    assert_eq!(f.with(Flags::A, false), Flags::B);
}

#[test]
fn numbered_errors_name_the_field() {
    // a: u8, b: u16, c: u32 ... : input ends inside c, the third field.
    let mut r = Reader::new(&[1, 0, 2, 0, 0]);
    assert_eq!(
        <Sample as UnmarshalNumbered>::unmarshal_numbered(&mut r, &Profile::ALL).map(|_| ()),
        Err(NumberedError {
            error: WireError::Insufficient,
            index: 3
        })
    );
    let bytes = to_vec(&Sample {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
        e: 5,
        buf: SizedBuf::new(&[9]).unwrap(),
        list: List::new(),
    });
    let mut r = Reader::new(&bytes);
    assert!(<Sample as UnmarshalNumbered>::unmarshal_numbered(&mut r, &Profile::ALL).is_ok());
    assert!(r.is_empty());
}

#[test]
fn nested_size_mismatch() {
    let s = Sample {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
        e: -1,
        buf: SizedBuf::new(&[1, 2]).unwrap(),
        list: List::new(),
    };
    let mut bytes = to_vec(&Nested { inner: s });
    // Declared size one larger than the structure: TPM_RC_SIZE, as libtpms.
    bytes[1] += 1;
    bytes.push(0);
    assert_eq!(
        from_bytes::<Nested>(&bytes, &Profile::ALL),
        Err(WireError::Size)
    );
    assert_eq!(
        from_bytes::<Nested>(&[0, 0], &Profile::ALL),
        Err(WireError::Size)
    );
}

#[test]
fn bad_tag_is_its_own_error() {
    // TPM_RC_BAD_TAG (header tag) and TPM_RC_TAG (structure tag) are different codes.
    assert_ne!(WireError::BadTag, WireError::Tag);
    assert_eq!(
        WireError::BadTag.to_string(),
        "command tag is not a TPMI_ST_COMMAND_TAG"
    );
}
