//! Tickets (TPM 2.0 Part 2 §10.7): proofs the TPM issued that it created an object
//! (TPMT_TK_CREATION), checked a signature (TPMT_TK_VERIFIED), approved a policy authorization
//! (TPMT_TK_AUTH) or hashed data that does not start with TPM_GENERATED_VALUE
//! (TPMT_TK_HASHCHECK).
//!
//! Each is a structure tag, a hierarchy (+TPM_RH_NULL: the NULL Ticket of §10.7.1) and an HMAC
//! digest. A wrong tag is TPM_RC_TAG; a hierarchy not in TPMI_RH_HIERARCHY is TPM_RC_VALUE
//! (libtpms `TPMT_TK_*_Unmarshal`). Tickets with one possible tag do not store it.

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer};

use crate::{Tpm2bDigest, TpmHandle, TpmSt, TpmiRhHierarchy};

/// Declares a ticket with a single structure tag.
macro_rules! fixed_ticket {
    ($(#[$meta:meta])* $name:ident, $tag:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, Debug)]
        pub struct $name {
            /// hierarchy: the hierarchy of the object or key the ticket is about
            /// (TPM_RH_NULL for a NULL Ticket).
            pub hierarchy: TpmiRhHierarchy<true>,
            /// digest: the ticket's HMAC (empty in a NULL Ticket).
            pub digest: Tpm2bDigest,
        }

        impl $name {
            #[doc = concat!("The structure tag on the wire, TPM_ST_", stringify!($tag), ".")]
            pub const TAG: TpmSt = TpmSt::$tag;

            /// The NULL Ticket (TPM 2.0 Part 2 §10.7.1): TPM_RH_NULL and an empty digest.
            pub fn null() -> Self {
                $name {
                    hierarchy: TpmiRhHierarchy(TpmHandle::NULL),
                    digest: Tpm2bDigest::default(),
                }
            }
        }

        impl Marshal for $name {
            fn marshal(&self, w: &mut Writer<'_>) {
                let $name { hierarchy, digest } = self;
                Self::TAG.marshal(w);
                hierarchy.marshal(w);
                digest.marshal(w);
            }
        }

        impl<'a> Unmarshal<'a> for $name {
            fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
                if TpmSt::unmarshal(r, p)? != Self::TAG {
                    return Err(WireError::Tag);
                }
                let hierarchy = Unmarshal::unmarshal(r, p)?;
                let digest = Unmarshal::unmarshal(r, p)?;
                Ok($name { hierarchy, digest })
            }
        }

        #[cfg(any(test, feature = "proptest"))]
        impl proptest::arbitrary::Arbitrary for $name {
            type Parameters = ();
            type Strategy = proptest::strategy::BoxedStrategy<Self>;

            fn arbitrary_with(_: ()) -> Self::Strategy {
                use proptest::prelude::*;
                (any::<TpmiRhHierarchy<true>>(), any::<Tpm2bDigest>())
                    .prop_map(|(hierarchy, digest)| $name { hierarchy, digest })
                    .boxed()
            }
        }
    };
}

fixed_ticket! {
    /// TPMT_TK_CREATION (TPM 2.0 Part 2 §10.7.3, Table 98): TPM2_Create/CreatePrimary's proof
    /// that the TPM made the object (tag TPM_ST_CREATION).
    #[doc(alias = "TPMT_TK_CREATION")]
    TpmtTkCreation, CREATION
}

fixed_ticket! {
    /// TPMT_TK_VERIFIED (TPM 2.0 Part 2 §10.7.4, Table 99): TPM2_VerifySignature's proof that
    /// a signature checked out (tag TPM_ST_VERIFIED).
    #[doc(alias = "TPMT_TK_VERIFIED")]
    TpmtTkVerified, VERIFIED
}

fixed_ticket! {
    /// TPMT_TK_HASHCHECK (TPM 2.0 Part 2 §10.7.6, Table 101): TPM2_Hash/SequenceComplete's
    /// proof that the data did not start with TPM_GENERATED_VALUE (tag TPM_ST_HASHCHECK).
    #[doc(alias = "TPMT_TK_HASHCHECK")]
    TpmtTkHashcheck, HASHCHECK
}

/// TPMT_TK_AUTH (TPM 2.0 Part 2 §10.7.5, Table 100): TPM2_PolicySigned/PolicySecret's ticket,
/// tag TPM_ST_AUTH_SIGNED or TPM_ST_AUTH_SECRET; any other tag is TPM_RC_TAG.
#[doc(alias = "TPMT_TK_AUTH")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmtTkAuth {
    /// tag: TPM_ST_AUTH_SIGNED or TPM_ST_AUTH_SECRET.
    pub tag: TpmSt,
    /// hierarchy: the hierarchy of the authorizing object (TPM_RH_NULL for a NULL Ticket).
    pub hierarchy: TpmiRhHierarchy<true>,
    /// digest: the ticket's HMAC.
    pub digest: Tpm2bDigest,
}

impl TpmtTkAuth {
    /// The tags a TPMT_TK_AUTH may carry.
    pub const TAGS: &'static [TpmSt] = &[TpmSt::AUTH_SIGNED, TpmSt::AUTH_SECRET];
}

impl Marshal for TpmtTkAuth {
    fn marshal(&self, w: &mut Writer<'_>) {
        let TpmtTkAuth {
            tag,
            hierarchy,
            digest,
        } = self;
        tag.marshal(w);
        hierarchy.marshal(w);
        digest.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmtTkAuth {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        let tag = TpmSt::unmarshal(r, p)?;
        if !Self::TAGS.contains(&tag) {
            return Err(WireError::Tag);
        }
        let hierarchy = Unmarshal::unmarshal(r, p)?;
        let digest = Unmarshal::unmarshal(r, p)?;
        Ok(TpmtTkAuth {
            tag,
            hierarchy,
            digest,
        })
    }
}

#[cfg(any(test, feature = "proptest"))]
impl proptest::arbitrary::Arbitrary for TpmtTkAuth {
    type Parameters = ();
    type Strategy = proptest::strategy::BoxedStrategy<Self>;

    fn arbitrary_with(_: ()) -> Self::Strategy {
        use proptest::prelude::*;
        (
            proptest::sample::select(Self::TAGS),
            any::<TpmiRhHierarchy<true>>(),
            any::<Tpm2bDigest>(),
        )
            .prop_map(|(tag, hierarchy, digest)| TpmtTkAuth {
                tag,
                hierarchy,
                digest,
            })
            .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    #[test]
    fn null_tickets_and_tags() {
        let p = Profile::ALL;
        let null = TpmtTkCreation::null();
        let bytes = to_vec(&null);
        assert_eq!(bytes, [0x80, 0x21, 0x40, 0, 0, 7, 0, 0]);
        assert_eq!(from_bytes::<TpmtTkCreation>(&bytes, &p), Ok(null));
        // The same bytes under another ticket's type: TPM_RC_TAG.
        assert_eq!(
            from_bytes::<TpmtTkVerified>(&bytes, &p),
            Err(WireError::Tag)
        );
        assert_eq!(
            from_bytes::<TpmtTkHashcheck>(&bytes, &p),
            Err(WireError::Tag)
        );
        assert_eq!(from_bytes::<TpmtTkAuth>(&bytes, &p), Err(WireError::Tag));
        // Hierarchy lockout is not a TPMI_RH_HIERARCHY: TPM_RC_VALUE.
        let bad = [0x80, 0x24, 0x40, 0, 0, 0x0A, 0, 0];
        assert_eq!(
            from_bytes::<TpmtTkHashcheck>(&bad, &p),
            Err(WireError::Value)
        );
        // Oversized digest: TPM_RC_SIZE.
        let mut big = vec![0x80, 0x22, 0x40, 0, 0, 1, 0, 65];
        big.extend_from_slice(&[0; 65]);
        assert_eq!(from_bytes::<TpmtTkVerified>(&big, &p), Err(WireError::Size));
        // Truncated.
        assert_eq!(
            from_bytes::<TpmtTkVerified>(&[0x80, 0x22, 0x40], &p),
            Err(WireError::Insufficient)
        );
        let auth = [0x80, 0x25, 0x40, 0, 0, 0x0B, 0, 1, 9];
        let t: TpmtTkAuth = from_bytes(&auth, &p).unwrap();
        assert_eq!(t.tag, TpmSt::AUTH_SIGNED);
        assert_eq!(to_vec(&t), auth);
    }

    proptest! {
        #[test]
        fn roundtrip(
            a in any::<TpmtTkCreation>(), b in any::<TpmtTkVerified>(),
            c in any::<TpmtTkAuth>(), d in any::<TpmtTkHashcheck>(),
        ) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmtTkCreation>(&to_vec(&a), &p), Ok(a));
            prop_assert_eq!(from_bytes::<TpmtTkVerified>(&to_vec(&b), &p), Ok(b));
            prop_assert_eq!(from_bytes::<TpmtTkAuth>(&to_vec(&c), &p), Ok(c));
            prop_assert_eq!(from_bytes::<TpmtTkHashcheck>(&to_vec(&d), &p), Ok(d));
        }
    }
}
