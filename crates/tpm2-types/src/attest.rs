//! Attestation structures (TPM 2.0 Part 2 §10.12): what TPM2_Certify, CertifyCreation, Quote,
//! GetCommandAuditDigest, GetSessionAuditDigest, GetTime, NV_Certify sign, and the TPMS_ATTEST
//! envelope with its TPM2B_ATTEST byte form.
//!
//! TPMS_ATTEST starts with TPM_GENERATED_VALUE (0xFF544347) and its `type` selects the
//! TPMU_ATTEST member; this crate keeps neither as a field (the magic is constant, the type is
//! the variant of `attested`). Reading one: a wrong magic is TPM_RC_VALUE (libtpms's
//! `TPM_GENERATED_Unmarshal`, compiled out there since the TPM only writes attestations), an
//! unknown type is TPM_RC_SELECTOR (`TPMI_ST_ATTEST_Unmarshal`).

use tpm_wire::{Marshal, Profile, Reader, Unmarshal, WireError, Writer, wire_struct};

use crate::algorithms::{tpm2b_bytes, tpmu};
use crate::{
    Tpm2bData, Tpm2bDigest, Tpm2bMaxNvBuffer, Tpm2bName, TpmAlgId, TpmGenerated, TpmSt,
    TpmiStAttest, TpmiYesNo, TpmlPcrSelection, TpmsClockInfo, TpmsTimeAttestInfo,
};

/// TPMS_CERTIFY_INFO (TPM 2.0 Part 2 §10.12.3, Table 124): what TPM2_Certify attests.
#[doc(alias = "TPMS_CERTIFY_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsCertifyInfo {
    /// name: the certified object's Name.
    pub name: Tpm2bName,
    /// qualifiedName: its Qualified Name.
    pub qualified_name: Tpm2bName,
}

wire_struct!(TpmsCertifyInfo {
    name,
    qualified_name
});

/// TPMS_QUOTE_INFO (TPM 2.0 Part 2 §10.12.4, Table 125): what TPM2_Quote attests.
#[doc(alias = "TPMS_QUOTE_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsQuoteInfo {
    /// pcrSelect: the quoted PCRs.
    pub pcr_select: TpmlPcrSelection,
    /// pcrDigest: the digest of their values.
    pub pcr_digest: Tpm2bDigest,
}

wire_struct!(TpmsQuoteInfo {
    pcr_select,
    pcr_digest
});

/// TPMS_COMMAND_AUDIT_INFO (TPM 2.0 Part 2 §10.12.5, Table 126): what
/// TPM2_GetCommandAuditDigest attests.
#[doc(alias = "TPMS_COMMAND_AUDIT_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsCommandAuditInfo {
    /// auditCounter: the audit sequence number.
    pub audit_counter: u64,
    /// digestAlg: the audit digest's hash (a plain TPM_ALG_ID on the wire).
    pub digest_alg: TpmAlgId,
    /// auditDigest.
    pub audit_digest: Tpm2bDigest,
    /// commandDigest: the digest of the audited command codes.
    pub command_digest: Tpm2bDigest,
}

wire_struct!(TpmsCommandAuditInfo {
    audit_counter,
    digest_alg,
    audit_digest,
    command_digest
});

/// TPMS_SESSION_AUDIT_INFO (TPM 2.0 Part 2 §10.12.6, Table 127): what
/// TPM2_GetSessionAuditDigest attests.
#[doc(alias = "TPMS_SESSION_AUDIT_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsSessionAuditInfo {
    /// exclusiveSession: YES when all audited commands ran in this session exclusively.
    pub exclusive_session: TpmiYesNo,
    /// sessionDigest.
    pub session_digest: Tpm2bDigest,
}

wire_struct!(TpmsSessionAuditInfo {
    exclusive_session,
    session_digest
});

/// TPMS_CREATION_INFO (TPM 2.0 Part 2 §10.12.7, Table 128): what TPM2_CertifyCreation
/// attests.
#[doc(alias = "TPMS_CREATION_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsCreationInfo {
    /// objectName.
    pub object_name: Tpm2bName,
    /// creationHash.
    pub creation_hash: Tpm2bDigest,
}

wire_struct!(TpmsCreationInfo {
    object_name,
    creation_hash
});

/// TPMS_NV_CERTIFY_INFO (TPM 2.0 Part 2 §10.12.8, Table 129): what TPM2_NV_Certify attests
/// for a range of the index's data.
#[doc(alias = "TPMS_NV_CERTIFY_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsNvCertifyInfo {
    /// indexName.
    pub index_name: Tpm2bName,
    /// offset: where the certified data starts.
    pub offset: u16,
    /// nvContents.
    pub nv_contents: Tpm2bMaxNvBuffer,
}

wire_struct!(TpmsNvCertifyInfo {
    index_name,
    offset,
    nv_contents
});

/// TPMS_NV_DIGEST_CERTIFY_INFO (TPM 2.0 Part 2 §10.12.9, Table 130): what TPM2_NV_Certify
/// attests when asked for a digest of the whole index (size 0, offset 0).
#[doc(alias = "TPMS_NV_DIGEST_CERTIFY_INFO")]
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TpmsNvDigestCertifyInfo {
    /// indexName.
    pub index_name: Tpm2bName,
    /// nvDigest.
    pub nv_digest: Tpm2bDigest,
}

wire_struct!(TpmsNvDigestCertifyInfo {
    index_name,
    nv_digest
});

tpmu! {
    /// TPMU_ATTEST (TPM 2.0 Part 2 §10.12.11, Table 132): the attested data, selected by the
    /// TPMI_ST_ATTEST type; other selectors are TPM_RC_SELECTOR.
    #[doc(alias = "TPMU_ATTEST")]
    #[derive(Clone, PartialEq, Eq, Hash, Debug)]
    // One attestation per command: the inline NV contents (1 KiB) cost less than a box.
    #[allow(clippy::large_enum_variant)]
    pub enum TpmuAttest: TpmSt {
        /// TPM_ST_ATTEST_CERTIFY.
        ATTEST_CERTIFY => Certify(TpmsCertifyInfo),
        /// TPM_ST_ATTEST_CREATION.
        ATTEST_CREATION => Creation(TpmsCreationInfo),
        /// TPM_ST_ATTEST_QUOTE.
        ATTEST_QUOTE => Quote(TpmsQuoteInfo),
        /// TPM_ST_ATTEST_COMMAND_AUDIT.
        ATTEST_COMMAND_AUDIT => CommandAudit(TpmsCommandAuditInfo),
        /// TPM_ST_ATTEST_SESSION_AUDIT.
        ATTEST_SESSION_AUDIT => SessionAudit(TpmsSessionAuditInfo),
        /// TPM_ST_ATTEST_TIME.
        ATTEST_TIME => Time(TpmsTimeAttestInfo),
        /// TPM_ST_ATTEST_NV.
        ATTEST_NV => Nv(TpmsNvCertifyInfo),
        /// TPM_ST_ATTEST_NV_DIGEST.
        ATTEST_NV_DIGEST => NvDigest(TpmsNvDigestCertifyInfo),
    }
}

/// TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12, Table 133): the signed attestation: magic, type,
/// signer, caller data, clock, firmware version, then the attested data.
#[doc(alias = "TPMS_ATTEST")]
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TpmsAttest {
    /// qualifiedSigner: the signing key's Qualified Name.
    pub qualified_signer: Tpm2bName,
    /// extraData: the caller's qualifying data.
    pub extra_data: Tpm2bData,
    /// clockInfo.
    pub clock_info: TpmsClockInfo,
    /// firmwareVersion.
    pub firmware_version: u64,
    /// attested: the data; its variant is the `type` field on the wire.
    pub attested: TpmuAttest,
}

impl TpmsAttest {
    /// magic: TPM_GENERATED_VALUE, the first four bytes of every TPMS_ATTEST.
    pub const MAGIC: TpmGenerated = TpmGenerated::VALUE;

    /// type: the TPMI_ST_ATTEST that selects `attested`.
    pub fn attest_type(&self) -> TpmiStAttest {
        TpmiStAttest(self.attested.selector())
    }
}

impl Marshal for TpmsAttest {
    fn marshal(&self, w: &mut Writer<'_>) {
        let TpmsAttest {
            qualified_signer,
            extra_data,
            clock_info,
            firmware_version,
            attested,
        } = self;
        Self::MAGIC.marshal(w);
        attested.selector().marshal(w);
        qualified_signer.marshal(w);
        extra_data.marshal(w);
        clock_info.marshal(w);
        firmware_version.marshal(w);
        attested.marshal(w);
    }
}

impl<'a> Unmarshal<'a> for TpmsAttest {
    fn unmarshal(r: &mut Reader<'a>, p: &Profile) -> Result<Self, WireError> {
        if TpmGenerated::unmarshal(r, p)? != Self::MAGIC {
            return Err(WireError::Value);
        }
        let attest_type = TpmiStAttest::unmarshal(r, p)?;
        let qualified_signer = Unmarshal::unmarshal(r, p)?;
        let extra_data = Unmarshal::unmarshal(r, p)?;
        let clock_info = Unmarshal::unmarshal(r, p)?;
        let firmware_version = Unmarshal::unmarshal(r, p)?;
        let attested = TpmuAttest::unmarshal_selected(attest_type.0, r, p)?;
        Ok(TpmsAttest {
            qualified_signer,
            extra_data,
            clock_info,
            firmware_version,
            attested,
        })
    }
}

/// sizeof(TPMS_ATTEST) in libtpms, the bound of TPM2B_ATTEST: magic and type (6), then
/// qualifiedSigner (70) and extraData (68) to offset 144, clockInfo (24, 8-aligned) and
/// firmwareVersion (8) to 176, then TPMU_ATTEST, whose largest member TPMS_NV_CERTIFY_INFO
/// (70 + 2 + 1026 = 1098) rounds up to 1104 at its 8-byte alignment.
const TPMS_ATTEST_SIZE: usize = 176 + 1104;

tpm2b_bytes! {
    /// TPM2B_ATTEST (TPM 2.0 Part 2 §10.12.13, Table 134): a marshalled TPMS_ATTEST as the
    /// bytes that were signed, at most sizeof(TPMS_ATTEST) (1280 in libtpms); larger is
    /// TPM_RC_SIZE.
    #[doc(alias = "TPM2B_ATTEST")]
    Tpm2bAttest, TPMS_ATTEST_SIZE
}

impl Tpm2bAttest {
    /// The marshalled form of `attest`.
    ///
    /// # Errors
    /// [`WireError::Size`] when it is longer than the buffer allows.
    pub fn from_attest(attest: &TpmsAttest) -> Result<Self, WireError> {
        Self::new(&tpm_wire::to_vec(attest))
    }

    /// The TPMS_ATTEST these bytes hold; they must hold exactly one.
    ///
    /// # Errors
    /// Whatever [`TpmsAttest`]'s unmarshal returns; [`WireError::Trailing`] for bytes left
    /// over.
    pub fn attest(&self, p: &Profile) -> Result<TpmsAttest, WireError> {
        tpm_wire::from_bytes(self.as_slice(), p)
    }
}

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use crate::strategies::list;
    use proptest::prelude::*;

    arb_struct!(TpmsCertifyInfo {
        name: any::<Tpm2bName>(),
        qualified_name: any::<Tpm2bName>(),
    });
    arb_struct!(TpmsQuoteInfo {
        pcr_select: list(4),
        pcr_digest: any::<Tpm2bDigest>(),
    });
    arb_struct!(TpmsCommandAuditInfo {
        audit_counter: any::<u64>(),
        digest_alg: any::<u16>().prop_map(TpmAlgId),
        audit_digest: any::<Tpm2bDigest>(),
        command_digest: any::<Tpm2bDigest>(),
    });
    arb_struct!(TpmsSessionAuditInfo {
        exclusive_session: any::<TpmiYesNo>(),
        session_digest: any::<Tpm2bDigest>(),
    });
    arb_struct!(TpmsCreationInfo {
        object_name: any::<Tpm2bName>(),
        creation_hash: any::<Tpm2bDigest>(),
    });
    arb_struct!(TpmsNvCertifyInfo {
        index_name: any::<Tpm2bName>(),
        offset: any::<u16>(),
        nv_contents: any::<Tpm2bMaxNvBuffer>(),
    });
    arb_struct!(TpmsNvDigestCertifyInfo {
        index_name: any::<Tpm2bName>(),
        nv_digest: any::<Tpm2bDigest>(),
    });
    arb_struct!(TpmsAttest {
        qualified_signer: any::<Tpm2bName>(),
        extra_data: any::<Tpm2bData>(),
        clock_info: any::<TpmsClockInfo>(),
        firmware_version: any::<u64>(),
        attested: any::<TpmuAttest>(),
    });

    impl Arbitrary for TpmuAttest {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            use TpmuAttest as U;
            prop_oneof![
                any::<TpmsCertifyInfo>().prop_map(U::Certify),
                any::<TpmsCreationInfo>().prop_map(U::Creation),
                any::<TpmsQuoteInfo>().prop_map(U::Quote),
                any::<TpmsCommandAuditInfo>().prop_map(U::CommandAudit),
                any::<TpmsSessionAuditInfo>().prop_map(U::SessionAudit),
                any::<TpmsTimeAttestInfo>().prop_map(U::Time),
                any::<TpmsNvCertifyInfo>().prop_map(U::Nv),
                any::<TpmsNvDigestCertifyInfo>().prop_map(U::NvDigest),
            ]
            .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{from_bytes, to_vec};

    fn sample() -> TpmsAttest {
        TpmsAttest {
            qualified_signer: Tpm2bName::new(&[0x40, 0, 0, 7]).unwrap(),
            extra_data: Tpm2bData::new(b"nonce").unwrap(),
            clock_info: TpmsClockInfo::default(),
            firmware_version: 0x2021_0000,
            attested: TpmuAttest::Quote(TpmsQuoteInfo::default()),
        }
    }

    #[test]
    fn attest_wire() {
        let p = Profile::ALL;
        let a = sample();
        let b = to_vec(&a);
        assert_eq!(&b[..6], &[0xFF, 0x54, 0x43, 0x47, 0x80, 0x18]);
        assert_eq!(a.attest_type(), TpmiStAttest::ATTEST_QUOTE);
        assert_eq!(from_bytes::<TpmsAttest>(&b, &p), Ok(a.clone()));
        // Wrong magic: TPM_RC_VALUE.
        let mut bad = b.clone();
        bad[0] = 0xFE;
        assert_eq!(from_bytes::<TpmsAttest>(&bad, &p), Err(WireError::Value));
        // Unknown type (the retired TPM_ST_ATTEST_NV tag 0x801B): TPM_RC_SELECTOR.
        let mut bad = b.clone();
        bad[5] = 0x1B;
        assert_eq!(from_bytes::<TpmsAttest>(&bad, &p), Err(WireError::Selector));
        // Truncated attested data.
        assert_eq!(
            from_bytes::<TpmsAttest>(&b[..b.len() - 1], &p),
            Err(WireError::Insufficient)
        );
        // TPM2B_ATTEST round trip and bound.
        let t = Tpm2bAttest::from_attest(&a).unwrap();
        assert_eq!(t.attest(&p), Ok(a));
        assert_eq!(Tpm2bAttest::MAX, 1280);
        let mut big = vec![0x05, 0x01];
        big.resize(2 + 1281, 0);
        assert_eq!(from_bytes::<Tpm2bAttest>(&big, &p), Err(WireError::Size));
        // An NV certify with a too-large nvContents: TPM_RC_SIZE.
        let mut nv = vec![0, 0, 0, 0, 0x04, 0x01];
        nv.resize(6 + 1025, 0);
        assert_eq!(
            from_bytes::<TpmsNvCertifyInfo>(&nv, &p),
            Err(WireError::Size)
        );
    }

    #[test]
    fn largest_attest_fits() {
        let mut a = sample();
        a.qualified_signer = Tpm2bName::new(&[1; 68]).unwrap();
        a.extra_data = Tpm2bData::new(&[2; 66]).unwrap();
        a.attested = TpmuAttest::Nv(TpmsNvCertifyInfo {
            index_name: Tpm2bName::new(&[3; 68]).unwrap(),
            offset: 0,
            nv_contents: Tpm2bMaxNvBuffer::new(&[4; 1024]).unwrap(),
        });
        assert!(Tpm2bAttest::from_attest(&a).is_ok());
    }

    proptest! {
        #[test]
        fn roundtrip(a in any::<TpmsAttest>(), u in any::<TpmuAttest>()) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsAttest>(&to_vec(&a), &p), Ok(a.clone()));
            let t = Tpm2bAttest::from_attest(&a).unwrap();
            prop_assert_eq!(from_bytes::<Tpm2bAttest>(&to_vec(&t), &p), Ok(t.clone()));
            prop_assert_eq!(t.attest(&p), Ok(a));
            let b = to_vec(&u);
            prop_assert_eq!(
                TpmuAttest::unmarshal_selected(u.selector(), &mut Reader::new(&b), &p),
                Ok(u)
            );
        }

        #[test]
        fn no_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = from_bytes::<TpmsAttest>(&bytes, &Profile::ALL);
        }
    }
}
