//! The authorization areas of commands and responses (TPM 2.0 Part 2 §10.13):
//! TPMS_AUTH_COMMAND and TPMS_AUTH_RESPONSE.
//!
//! The `hmac` member is an HMAC or, for the password session, the authValue itself, so it is a
//! [`Tpm2bAuth`] that erases itself; these structures are therefore not `Clone`. Reserved
//! TPMA_SESSION bits are TPM_RC_RESERVED_BITS; a session handle that is not an HMAC or policy
//! session or TPM_RS_PW is TPM_RC_VALUE (libtpms `TPMI_SH_AUTH_SESSION_Unmarshal` with
//! allowPwd).

use tpm_wire::wire_struct;

use crate::{Tpm2bAuth, Tpm2bNonce, TpmaSession, TpmiShAuthSession};

/// TPMS_AUTH_COMMAND (TPM 2.0 Part 2 §10.13.2, Table 135): one session of a command's
/// authorization area.
#[doc(alias = "TPMS_AUTH_COMMAND")]
#[derive(PartialEq, Eq, Debug)]
pub struct TpmsAuthCommand {
    /// sessionHandle: an HMAC or policy session, or TPM_RS_PW.
    pub session_handle: TpmiShAuthSession<true>,
    /// nonce: the caller's nonce (empty for a password session).
    pub nonce: Tpm2bNonce,
    /// sessionAttributes.
    pub session_attributes: TpmaSession,
    /// hmac: the HMAC, or the password for TPM_RS_PW.
    pub hmac: Tpm2bAuth,
}

wire_struct!(TpmsAuthCommand {
    session_handle,
    nonce,
    session_attributes,
    hmac
});

/// TPMS_AUTH_RESPONSE (TPM 2.0 Part 2 §10.13.3, Table 136): one session of a response's
/// authorization area.
#[doc(alias = "TPMS_AUTH_RESPONSE")]
#[derive(PartialEq, Eq, Debug)]
pub struct TpmsAuthResponse {
    /// nonce: the TPM's nonce.
    pub nonce: Tpm2bNonce,
    /// sessionAttributes.
    pub session_attributes: TpmaSession,
    /// hmac: the response HMAC (empty for a password session).
    pub hmac: Tpm2bAuth,
}

wire_struct!(TpmsAuthResponse {
    nonce,
    session_attributes,
    hmac
});

#[cfg(any(test, feature = "proptest"))]
mod arbitrary {
    use super::*;
    use proptest::prelude::*;

    fn attributes() -> impl Strategy<Value = TpmaSession> {
        any::<u8>().prop_map(|b| TpmaSession(b & !TpmaSession::RESERVED))
    }

    impl Arbitrary for TpmsAuthCommand {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (
                any::<TpmiShAuthSession<true>>(),
                any::<Tpm2bNonce>(),
                attributes(),
                any::<Tpm2bAuth>(),
            )
                .prop_map(
                    |(session_handle, nonce, session_attributes, hmac)| TpmsAuthCommand {
                        session_handle,
                        nonce,
                        session_attributes,
                        hmac,
                    },
                )
                .boxed()
        }
    }

    impl Arbitrary for TpmsAuthResponse {
        type Parameters = ();
        type Strategy = BoxedStrategy<Self>;

        fn arbitrary_with(_: ()) -> Self::Strategy {
            (any::<Tpm2bNonce>(), attributes(), any::<Tpm2bAuth>())
                .prop_map(|(nonce, session_attributes, hmac)| TpmsAuthResponse {
                    nonce,
                    session_attributes,
                    hmac,
                })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tpm_wire::{Profile, WireError, from_bytes, to_vec};

    #[test]
    fn password_session() {
        let p = Profile::ALL;
        // TPM_RS_PW, empty nonce, continueSession, password "ab".
        let b = [0x40, 0, 0, 9, 0, 0, 1, 0, 2, b'a', b'b'];
        let a: TpmsAuthCommand = from_bytes(&b, &p).unwrap();
        assert_eq!(a.hmac.expose(), b"ab");
        assert_eq!(to_vec(&a), b);
        assert!(!format!("{a:?}").contains("ab\""));
        // Reserved attribute bit 3: TPM_RC_RESERVED_BITS.
        let mut bad = b;
        bad[6] = 0x08;
        assert_eq!(
            from_bytes::<TpmsAuthCommand>(&bad, &p),
            Err(WireError::ReservedBits)
        );
        // TPM_RH_NULL as session handle: TPM_RC_VALUE.
        let mut bad = b;
        bad[3] = 7;
        assert_eq!(
            from_bytes::<TpmsAuthCommand>(&bad, &p),
            Err(WireError::Value)
        );
        // A 65-byte hmac: TPM_RC_SIZE.
        let mut big = vec![0x02, 0, 0, 0, 0, 0, 0, 0, 65];
        big.extend_from_slice(&[0; 65]);
        assert_eq!(
            from_bytes::<TpmsAuthCommand>(&big, &p),
            Err(WireError::Size)
        );
        assert_eq!(
            from_bytes::<TpmsAuthResponse>(&[0, 0, 1, 0], &p),
            Err(WireError::Insufficient)
        );
    }

    proptest! {
        #[test]
        fn roundtrip(c in any::<TpmsAuthCommand>(), r in any::<TpmsAuthResponse>()) {
            let p = Profile::ALL;
            prop_assert_eq!(from_bytes::<TpmsAuthCommand>(&to_vec(&c), &p), Ok(c));
            prop_assert_eq!(from_bytes::<TpmsAuthResponse>(&to_vec(&r), &p), Ok(r));
        }
    }
}
