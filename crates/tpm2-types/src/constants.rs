//! TPM 2.0 Part 2 constants (§6 and §7): the open enumerations TPM_ALG_ID, TPM_ECC_CURVE, TPM_CC,
//! TPM_RC's neighbours (TPM_CLOCK_ADJUST, TPM_EO, TPM_ST, TPM_SU, TPM_SE, TPM_CAP, TPM_PT,
//! TPM_PT_PCR, TPM_PS), the handle constants (TPM_HT, TPM_RH on [`TpmHandle`], TPM_HC in [`hc`]),
//! TPM_NT, TPM_AT/TPM_AE, TPM_GENERATED and the implementation constants of the TPM we emulate.
//!
//! Values are those of TPM 2.0 Library Part 2 rev 1.59 as libtpms 0.9 implements it
//! (`src/tpm2/TpmTypes.h` there); the integration test `tests/tests/tss2_constants.rs` checks
//! them against the system's `tss2_tpm2_types.h`. Implementation constants (sizes, counts) come
//! from libtpms 0.9's `TpmProfile.h`, `TpmAlgorithmDefines.h`, `GpMacros.h` and
//! `Capabilities.h`, cross-checked with what swtpm 0.7 + libtpms 0.9 report through
//! TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES); each says where its number comes from.
//!
//! Every type here is an open newtype (`wire_enum!`): every value unmarshals, and the TPMI type
//! that uses it decides which values a field accepts. `ALL` lists each distinct named value
//! once; spec aliases that repeat a value (`TPM_ALG_SHA`, `TPM_CC_MAC`, `TPM_CAP_FIRST`, ...)
//! are extra associated constants outside `ALL`.

use tpm_wire::wire_enum;

wire_enum! {
    /// TPM_ALG_ID (TPM 2.0 Part 2 §6.3, Table 9; values of the TCG Algorithm Registry).
    #[doc(alias = "TPM_ALG_ID")]
    pub struct TpmAlgId(u16) {
        /// TPM_ALG_ERROR
        #[doc(alias = "TPM_ALG_ERROR")]
        ERROR = 0x0000,
        /// TPM_ALG_RSA
        #[doc(alias = "TPM_ALG_RSA")]
        RSA = 0x0001,
        /// TPM_ALG_TDES
        #[doc(alias = "TPM_ALG_TDES")]
        TDES = 0x0003,
        /// TPM_ALG_SHA1
        #[doc(alias = "TPM_ALG_SHA1")]
        SHA1 = 0x0004,
        /// TPM_ALG_HMAC
        #[doc(alias = "TPM_ALG_HMAC")]
        HMAC = 0x0005,
        /// TPM_ALG_AES
        #[doc(alias = "TPM_ALG_AES")]
        AES = 0x0006,
        /// TPM_ALG_MGF1
        #[doc(alias = "TPM_ALG_MGF1")]
        MGF1 = 0x0007,
        /// TPM_ALG_KEYEDHASH
        #[doc(alias = "TPM_ALG_KEYEDHASH")]
        KEYEDHASH = 0x0008,
        /// TPM_ALG_XOR
        #[doc(alias = "TPM_ALG_XOR")]
        XOR = 0x000A,
        /// TPM_ALG_SHA256
        #[doc(alias = "TPM_ALG_SHA256")]
        SHA256 = 0x000B,
        /// TPM_ALG_SHA384
        #[doc(alias = "TPM_ALG_SHA384")]
        SHA384 = 0x000C,
        /// TPM_ALG_SHA512
        #[doc(alias = "TPM_ALG_SHA512")]
        SHA512 = 0x000D,
        /// TPM_ALG_NULL
        #[doc(alias = "TPM_ALG_NULL")]
        NULL = 0x0010,
        /// TPM_ALG_SM3_256
        #[doc(alias = "TPM_ALG_SM3_256")]
        SM3_256 = 0x0012,
        /// TPM_ALG_SM4
        #[doc(alias = "TPM_ALG_SM4")]
        SM4 = 0x0013,
        /// TPM_ALG_RSASSA
        #[doc(alias = "TPM_ALG_RSASSA")]
        RSASSA = 0x0014,
        /// TPM_ALG_RSAES
        #[doc(alias = "TPM_ALG_RSAES")]
        RSAES = 0x0015,
        /// TPM_ALG_RSAPSS
        #[doc(alias = "TPM_ALG_RSAPSS")]
        RSAPSS = 0x0016,
        /// TPM_ALG_OAEP
        #[doc(alias = "TPM_ALG_OAEP")]
        OAEP = 0x0017,
        /// TPM_ALG_ECDSA
        #[doc(alias = "TPM_ALG_ECDSA")]
        ECDSA = 0x0018,
        /// TPM_ALG_ECDH
        #[doc(alias = "TPM_ALG_ECDH")]
        ECDH = 0x0019,
        /// TPM_ALG_ECDAA
        #[doc(alias = "TPM_ALG_ECDAA")]
        ECDAA = 0x001A,
        /// TPM_ALG_SM2
        #[doc(alias = "TPM_ALG_SM2")]
        SM2 = 0x001B,
        /// TPM_ALG_ECSCHNORR
        #[doc(alias = "TPM_ALG_ECSCHNORR")]
        ECSCHNORR = 0x001C,
        /// TPM_ALG_ECMQV
        #[doc(alias = "TPM_ALG_ECMQV")]
        ECMQV = 0x001D,
        /// TPM_ALG_KDF1_SP800_56A
        #[doc(alias = "TPM_ALG_KDF1_SP800_56A")]
        KDF1_SP800_56A = 0x0020,
        /// TPM_ALG_KDF2
        #[doc(alias = "TPM_ALG_KDF2")]
        KDF2 = 0x0021,
        /// TPM_ALG_KDF1_SP800_108
        #[doc(alias = "TPM_ALG_KDF1_SP800_108")]
        KDF1_SP800_108 = 0x0022,
        /// TPM_ALG_ECC
        #[doc(alias = "TPM_ALG_ECC")]
        ECC = 0x0023,
        /// TPM_ALG_SYMCIPHER
        #[doc(alias = "TPM_ALG_SYMCIPHER")]
        SYMCIPHER = 0x0025,
        /// TPM_ALG_CAMELLIA
        #[doc(alias = "TPM_ALG_CAMELLIA")]
        CAMELLIA = 0x0026,
        /// TPM_ALG_SHA3_256
        #[doc(alias = "TPM_ALG_SHA3_256")]
        SHA3_256 = 0x0027,
        /// TPM_ALG_SHA3_384
        #[doc(alias = "TPM_ALG_SHA3_384")]
        SHA3_384 = 0x0028,
        /// TPM_ALG_SHA3_512
        #[doc(alias = "TPM_ALG_SHA3_512")]
        SHA3_512 = 0x0029,
        /// TPM_ALG_CMAC
        #[doc(alias = "TPM_ALG_CMAC")]
        CMAC = 0x003F,
        /// TPM_ALG_CTR
        #[doc(alias = "TPM_ALG_CTR")]
        CTR = 0x0040,
        /// TPM_ALG_OFB
        #[doc(alias = "TPM_ALG_OFB")]
        OFB = 0x0041,
        /// TPM_ALG_CBC
        #[doc(alias = "TPM_ALG_CBC")]
        CBC = 0x0042,
        /// TPM_ALG_CFB
        #[doc(alias = "TPM_ALG_CFB")]
        CFB = 0x0043,
        /// TPM_ALG_ECB
        #[doc(alias = "TPM_ALG_ECB")]
        ECB = 0x0044,
    }
}

impl TpmAlgId {
    /// TPM_ALG_SHA: the registry's older name for TPM_ALG_SHA1 (same value; not in `ALL`).
    #[doc(alias = "TPM_ALG_SHA")]
    pub const SHA: TpmAlgId = TpmAlgId::SHA1;
    /// TPM_ALG_FIRST: the lowest algorithm ID in use (not in `ALL`).
    #[doc(alias = "TPM_ALG_FIRST")]
    pub const FIRST: TpmAlgId = TpmAlgId::RSA;
    /// TPM_ALG_LAST: the highest algorithm ID libtpms 0.9 knows (not in `ALL`).
    #[doc(alias = "TPM_ALG_LAST")]
    pub const LAST: TpmAlgId = TpmAlgId::ECB;
}

wire_enum! {
    /// TPM_ECC_CURVE (TPM 2.0 Part 2 §6.4, Table 10; values of the TCG Algorithm Registry).
    #[doc(alias = "TPM_ECC_CURVE")]
    pub struct TpmEccCurve(u16) {
        /// TPM_ECC_NONE
        #[doc(alias = "TPM_ECC_NONE")]
        NONE = 0x0000,
        /// TPM_ECC_NIST_P192
        #[doc(alias = "TPM_ECC_NIST_P192")]
        NIST_P192 = 0x0001,
        /// TPM_ECC_NIST_P224
        #[doc(alias = "TPM_ECC_NIST_P224")]
        NIST_P224 = 0x0002,
        /// TPM_ECC_NIST_P256
        #[doc(alias = "TPM_ECC_NIST_P256")]
        NIST_P256 = 0x0003,
        /// TPM_ECC_NIST_P384
        #[doc(alias = "TPM_ECC_NIST_P384")]
        NIST_P384 = 0x0004,
        /// TPM_ECC_NIST_P521
        #[doc(alias = "TPM_ECC_NIST_P521")]
        NIST_P521 = 0x0005,
        /// TPM_ECC_BN_P256
        #[doc(alias = "TPM_ECC_BN_P256")]
        BN_P256 = 0x0010,
        /// TPM_ECC_BN_P638
        #[doc(alias = "TPM_ECC_BN_P638")]
        BN_P638 = 0x0011,
        /// TPM_ECC_SM2_P256
        #[doc(alias = "TPM_ECC_SM2_P256")]
        SM2_P256 = 0x0020,
    }
}

wire_enum! {
    /// TPM_CC, the command codes (TPM 2.0 Part 2 §6.5.2, Table 12): every Part 3 command of rev 1.59 as libtpms 0.9 lists it, and the vendor test command.
    #[doc(alias = "TPM_CC")]
    pub struct TpmCc(u32) {
        /// TPM_CC_NV_UndefineSpaceSpecial
        #[doc(alias = "TPM_CC_NV_UndefineSpaceSpecial")]
        NV_UNDEFINE_SPACE_SPECIAL = 0x0000011F,
        /// TPM_CC_EvictControl
        #[doc(alias = "TPM_CC_EvictControl")]
        EVICT_CONTROL = 0x00000120,
        /// TPM_CC_HierarchyControl
        #[doc(alias = "TPM_CC_HierarchyControl")]
        HIERARCHY_CONTROL = 0x00000121,
        /// TPM_CC_NV_UndefineSpace
        #[doc(alias = "TPM_CC_NV_UndefineSpace")]
        NV_UNDEFINE_SPACE = 0x00000122,
        /// TPM_CC_ChangeEPS
        #[doc(alias = "TPM_CC_ChangeEPS")]
        CHANGE_EPS = 0x00000124,
        /// TPM_CC_ChangePPS
        #[doc(alias = "TPM_CC_ChangePPS")]
        CHANGE_PPS = 0x00000125,
        /// TPM_CC_Clear
        #[doc(alias = "TPM_CC_Clear")]
        CLEAR = 0x00000126,
        /// TPM_CC_ClearControl
        #[doc(alias = "TPM_CC_ClearControl")]
        CLEAR_CONTROL = 0x00000127,
        /// TPM_CC_ClockSet
        #[doc(alias = "TPM_CC_ClockSet")]
        CLOCK_SET = 0x00000128,
        /// TPM_CC_HierarchyChangeAuth
        #[doc(alias = "TPM_CC_HierarchyChangeAuth")]
        HIERARCHY_CHANGE_AUTH = 0x00000129,
        /// TPM_CC_NV_DefineSpace
        #[doc(alias = "TPM_CC_NV_DefineSpace")]
        NV_DEFINE_SPACE = 0x0000012A,
        /// TPM_CC_PCR_Allocate
        #[doc(alias = "TPM_CC_PCR_Allocate")]
        PCR_ALLOCATE = 0x0000012B,
        /// TPM_CC_PCR_SetAuthPolicy
        #[doc(alias = "TPM_CC_PCR_SetAuthPolicy")]
        PCR_SET_AUTH_POLICY = 0x0000012C,
        /// TPM_CC_PP_Commands
        #[doc(alias = "TPM_CC_PP_Commands")]
        PP_COMMANDS = 0x0000012D,
        /// TPM_CC_SetPrimaryPolicy
        #[doc(alias = "TPM_CC_SetPrimaryPolicy")]
        SET_PRIMARY_POLICY = 0x0000012E,
        /// TPM_CC_FieldUpgradeStart
        #[doc(alias = "TPM_CC_FieldUpgradeStart")]
        FIELD_UPGRADE_START = 0x0000012F,
        /// TPM_CC_ClockRateAdjust
        #[doc(alias = "TPM_CC_ClockRateAdjust")]
        CLOCK_RATE_ADJUST = 0x00000130,
        /// TPM_CC_CreatePrimary
        #[doc(alias = "TPM_CC_CreatePrimary")]
        CREATE_PRIMARY = 0x00000131,
        /// TPM_CC_NV_GlobalWriteLock
        #[doc(alias = "TPM_CC_NV_GlobalWriteLock")]
        NV_GLOBAL_WRITE_LOCK = 0x00000132,
        /// TPM_CC_GetCommandAuditDigest
        #[doc(alias = "TPM_CC_GetCommandAuditDigest")]
        GET_COMMAND_AUDIT_DIGEST = 0x00000133,
        /// TPM_CC_NV_Increment
        #[doc(alias = "TPM_CC_NV_Increment")]
        NV_INCREMENT = 0x00000134,
        /// TPM_CC_NV_SetBits
        #[doc(alias = "TPM_CC_NV_SetBits")]
        NV_SET_BITS = 0x00000135,
        /// TPM_CC_NV_Extend
        #[doc(alias = "TPM_CC_NV_Extend")]
        NV_EXTEND = 0x00000136,
        /// TPM_CC_NV_Write
        #[doc(alias = "TPM_CC_NV_Write")]
        NV_WRITE = 0x00000137,
        /// TPM_CC_NV_WriteLock
        #[doc(alias = "TPM_CC_NV_WriteLock")]
        NV_WRITE_LOCK = 0x00000138,
        /// TPM_CC_DictionaryAttackLockReset
        #[doc(alias = "TPM_CC_DictionaryAttackLockReset")]
        DICTIONARY_ATTACK_LOCK_RESET = 0x00000139,
        /// TPM_CC_DictionaryAttackParameters
        #[doc(alias = "TPM_CC_DictionaryAttackParameters")]
        DICTIONARY_ATTACK_PARAMETERS = 0x0000013A,
        /// TPM_CC_NV_ChangeAuth
        #[doc(alias = "TPM_CC_NV_ChangeAuth")]
        NV_CHANGE_AUTH = 0x0000013B,
        /// TPM_CC_PCR_Event
        #[doc(alias = "TPM_CC_PCR_Event")]
        PCR_EVENT = 0x0000013C,
        /// TPM_CC_PCR_Reset
        #[doc(alias = "TPM_CC_PCR_Reset")]
        PCR_RESET = 0x0000013D,
        /// TPM_CC_SequenceComplete
        #[doc(alias = "TPM_CC_SequenceComplete")]
        SEQUENCE_COMPLETE = 0x0000013E,
        /// TPM_CC_SetAlgorithmSet
        #[doc(alias = "TPM_CC_SetAlgorithmSet")]
        SET_ALGORITHM_SET = 0x0000013F,
        /// TPM_CC_SetCommandCodeAuditStatus
        #[doc(alias = "TPM_CC_SetCommandCodeAuditStatus")]
        SET_COMMAND_CODE_AUDIT_STATUS = 0x00000140,
        /// TPM_CC_FieldUpgradeData
        #[doc(alias = "TPM_CC_FieldUpgradeData")]
        FIELD_UPGRADE_DATA = 0x00000141,
        /// TPM_CC_IncrementalSelfTest
        #[doc(alias = "TPM_CC_IncrementalSelfTest")]
        INCREMENTAL_SELF_TEST = 0x00000142,
        /// TPM_CC_SelfTest
        #[doc(alias = "TPM_CC_SelfTest")]
        SELF_TEST = 0x00000143,
        /// TPM_CC_Startup
        #[doc(alias = "TPM_CC_Startup")]
        STARTUP = 0x00000144,
        /// TPM_CC_Shutdown
        #[doc(alias = "TPM_CC_Shutdown")]
        SHUTDOWN = 0x00000145,
        /// TPM_CC_StirRandom
        #[doc(alias = "TPM_CC_StirRandom")]
        STIR_RANDOM = 0x00000146,
        /// TPM_CC_ActivateCredential
        #[doc(alias = "TPM_CC_ActivateCredential")]
        ACTIVATE_CREDENTIAL = 0x00000147,
        /// TPM_CC_Certify
        #[doc(alias = "TPM_CC_Certify")]
        CERTIFY = 0x00000148,
        /// TPM_CC_PolicyNV
        #[doc(alias = "TPM_CC_PolicyNV")]
        POLICY_NV = 0x00000149,
        /// TPM_CC_CertifyCreation
        #[doc(alias = "TPM_CC_CertifyCreation")]
        CERTIFY_CREATION = 0x0000014A,
        /// TPM_CC_Duplicate
        #[doc(alias = "TPM_CC_Duplicate")]
        DUPLICATE = 0x0000014B,
        /// TPM_CC_GetTime
        #[doc(alias = "TPM_CC_GetTime")]
        GET_TIME = 0x0000014C,
        /// TPM_CC_GetSessionAuditDigest
        #[doc(alias = "TPM_CC_GetSessionAuditDigest")]
        GET_SESSION_AUDIT_DIGEST = 0x0000014D,
        /// TPM_CC_NV_Read
        #[doc(alias = "TPM_CC_NV_Read")]
        NV_READ = 0x0000014E,
        /// TPM_CC_NV_ReadLock
        #[doc(alias = "TPM_CC_NV_ReadLock")]
        NV_READ_LOCK = 0x0000014F,
        /// TPM_CC_ObjectChangeAuth
        #[doc(alias = "TPM_CC_ObjectChangeAuth")]
        OBJECT_CHANGE_AUTH = 0x00000150,
        /// TPM_CC_PolicySecret
        #[doc(alias = "TPM_CC_PolicySecret")]
        POLICY_SECRET = 0x00000151,
        /// TPM_CC_Rewrap
        #[doc(alias = "TPM_CC_Rewrap")]
        REWRAP = 0x00000152,
        /// TPM_CC_Create
        #[doc(alias = "TPM_CC_Create")]
        CREATE = 0x00000153,
        /// TPM_CC_ECDH_ZGen
        #[doc(alias = "TPM_CC_ECDH_ZGen")]
        ECDH_ZGEN = 0x00000154,
        /// TPM_CC_HMAC
        #[doc(alias = "TPM_CC_HMAC")]
        HMAC = 0x00000155,
        /// TPM_CC_Import
        #[doc(alias = "TPM_CC_Import")]
        IMPORT = 0x00000156,
        /// TPM_CC_Load
        #[doc(alias = "TPM_CC_Load")]
        LOAD = 0x00000157,
        /// TPM_CC_Quote
        #[doc(alias = "TPM_CC_Quote")]
        QUOTE = 0x00000158,
        /// TPM_CC_RSA_Decrypt
        #[doc(alias = "TPM_CC_RSA_Decrypt")]
        RSA_DECRYPT = 0x00000159,
        /// TPM_CC_HMAC_Start
        #[doc(alias = "TPM_CC_HMAC_Start")]
        HMAC_START = 0x0000015B,
        /// TPM_CC_SequenceUpdate
        #[doc(alias = "TPM_CC_SequenceUpdate")]
        SEQUENCE_UPDATE = 0x0000015C,
        /// TPM_CC_Sign
        #[doc(alias = "TPM_CC_Sign")]
        SIGN = 0x0000015D,
        /// TPM_CC_Unseal
        #[doc(alias = "TPM_CC_Unseal")]
        UNSEAL = 0x0000015E,
        /// TPM_CC_PolicySigned
        #[doc(alias = "TPM_CC_PolicySigned")]
        POLICY_SIGNED = 0x00000160,
        /// TPM_CC_ContextLoad
        #[doc(alias = "TPM_CC_ContextLoad")]
        CONTEXT_LOAD = 0x00000161,
        /// TPM_CC_ContextSave
        #[doc(alias = "TPM_CC_ContextSave")]
        CONTEXT_SAVE = 0x00000162,
        /// TPM_CC_ECDH_KeyGen
        #[doc(alias = "TPM_CC_ECDH_KeyGen")]
        ECDH_KEY_GEN = 0x00000163,
        /// TPM_CC_EncryptDecrypt
        #[doc(alias = "TPM_CC_EncryptDecrypt")]
        ENCRYPT_DECRYPT = 0x00000164,
        /// TPM_CC_FlushContext
        #[doc(alias = "TPM_CC_FlushContext")]
        FLUSH_CONTEXT = 0x00000165,
        /// TPM_CC_LoadExternal
        #[doc(alias = "TPM_CC_LoadExternal")]
        LOAD_EXTERNAL = 0x00000167,
        /// TPM_CC_MakeCredential
        #[doc(alias = "TPM_CC_MakeCredential")]
        MAKE_CREDENTIAL = 0x00000168,
        /// TPM_CC_NV_ReadPublic
        #[doc(alias = "TPM_CC_NV_ReadPublic")]
        NV_READ_PUBLIC = 0x00000169,
        /// TPM_CC_PolicyAuthorize
        #[doc(alias = "TPM_CC_PolicyAuthorize")]
        POLICY_AUTHORIZE = 0x0000016A,
        /// TPM_CC_PolicyAuthValue
        #[doc(alias = "TPM_CC_PolicyAuthValue")]
        POLICY_AUTH_VALUE = 0x0000016B,
        /// TPM_CC_PolicyCommandCode
        #[doc(alias = "TPM_CC_PolicyCommandCode")]
        POLICY_COMMAND_CODE = 0x0000016C,
        /// TPM_CC_PolicyCounterTimer
        #[doc(alias = "TPM_CC_PolicyCounterTimer")]
        POLICY_COUNTER_TIMER = 0x0000016D,
        /// TPM_CC_PolicyCpHash
        #[doc(alias = "TPM_CC_PolicyCpHash")]
        POLICY_CP_HASH = 0x0000016E,
        /// TPM_CC_PolicyLocality
        #[doc(alias = "TPM_CC_PolicyLocality")]
        POLICY_LOCALITY = 0x0000016F,
        /// TPM_CC_PolicyNameHash
        #[doc(alias = "TPM_CC_PolicyNameHash")]
        POLICY_NAME_HASH = 0x00000170,
        /// TPM_CC_PolicyOR
        #[doc(alias = "TPM_CC_PolicyOR")]
        POLICY_OR = 0x00000171,
        /// TPM_CC_PolicyTicket
        #[doc(alias = "TPM_CC_PolicyTicket")]
        POLICY_TICKET = 0x00000172,
        /// TPM_CC_ReadPublic
        #[doc(alias = "TPM_CC_ReadPublic")]
        READ_PUBLIC = 0x00000173,
        /// TPM_CC_RSA_Encrypt
        #[doc(alias = "TPM_CC_RSA_Encrypt")]
        RSA_ENCRYPT = 0x00000174,
        /// TPM_CC_StartAuthSession
        #[doc(alias = "TPM_CC_StartAuthSession")]
        START_AUTH_SESSION = 0x00000176,
        /// TPM_CC_VerifySignature
        #[doc(alias = "TPM_CC_VerifySignature")]
        VERIFY_SIGNATURE = 0x00000177,
        /// TPM_CC_ECC_Parameters
        #[doc(alias = "TPM_CC_ECC_Parameters")]
        ECC_PARAMETERS = 0x00000178,
        /// TPM_CC_FirmwareRead
        #[doc(alias = "TPM_CC_FirmwareRead")]
        FIRMWARE_READ = 0x00000179,
        /// TPM_CC_GetCapability
        #[doc(alias = "TPM_CC_GetCapability")]
        GET_CAPABILITY = 0x0000017A,
        /// TPM_CC_GetRandom
        #[doc(alias = "TPM_CC_GetRandom")]
        GET_RANDOM = 0x0000017B,
        /// TPM_CC_GetTestResult
        #[doc(alias = "TPM_CC_GetTestResult")]
        GET_TEST_RESULT = 0x0000017C,
        /// TPM_CC_Hash
        #[doc(alias = "TPM_CC_Hash")]
        HASH = 0x0000017D,
        /// TPM_CC_PCR_Read
        #[doc(alias = "TPM_CC_PCR_Read")]
        PCR_READ = 0x0000017E,
        /// TPM_CC_PolicyPCR
        #[doc(alias = "TPM_CC_PolicyPCR")]
        POLICY_PCR = 0x0000017F,
        /// TPM_CC_PolicyRestart
        #[doc(alias = "TPM_CC_PolicyRestart")]
        POLICY_RESTART = 0x00000180,
        /// TPM_CC_ReadClock
        #[doc(alias = "TPM_CC_ReadClock")]
        READ_CLOCK = 0x00000181,
        /// TPM_CC_PCR_Extend
        #[doc(alias = "TPM_CC_PCR_Extend")]
        PCR_EXTEND = 0x00000182,
        /// TPM_CC_PCR_SetAuthValue
        #[doc(alias = "TPM_CC_PCR_SetAuthValue")]
        PCR_SET_AUTH_VALUE = 0x00000183,
        /// TPM_CC_NV_Certify
        #[doc(alias = "TPM_CC_NV_Certify")]
        NV_CERTIFY = 0x00000184,
        /// TPM_CC_EventSequenceComplete
        #[doc(alias = "TPM_CC_EventSequenceComplete")]
        EVENT_SEQUENCE_COMPLETE = 0x00000185,
        /// TPM_CC_HashSequenceStart
        #[doc(alias = "TPM_CC_HashSequenceStart")]
        HASH_SEQUENCE_START = 0x00000186,
        /// TPM_CC_PolicyPhysicalPresence
        #[doc(alias = "TPM_CC_PolicyPhysicalPresence")]
        POLICY_PHYSICAL_PRESENCE = 0x00000187,
        /// TPM_CC_PolicyDuplicationSelect
        #[doc(alias = "TPM_CC_PolicyDuplicationSelect")]
        POLICY_DUPLICATION_SELECT = 0x00000188,
        /// TPM_CC_PolicyGetDigest
        #[doc(alias = "TPM_CC_PolicyGetDigest")]
        POLICY_GET_DIGEST = 0x00000189,
        /// TPM_CC_TestParms
        #[doc(alias = "TPM_CC_TestParms")]
        TEST_PARMS = 0x0000018A,
        /// TPM_CC_Commit
        #[doc(alias = "TPM_CC_Commit")]
        COMMIT = 0x0000018B,
        /// TPM_CC_PolicyPassword
        #[doc(alias = "TPM_CC_PolicyPassword")]
        POLICY_PASSWORD = 0x0000018C,
        /// TPM_CC_ZGen_2Phase
        #[doc(alias = "TPM_CC_ZGen_2Phase")]
        ZGEN_2PHASE = 0x0000018D,
        /// TPM_CC_EC_Ephemeral
        #[doc(alias = "TPM_CC_EC_Ephemeral")]
        EC_EPHEMERAL = 0x0000018E,
        /// TPM_CC_PolicyNvWritten
        #[doc(alias = "TPM_CC_PolicyNvWritten")]
        POLICY_NV_WRITTEN = 0x0000018F,
        /// TPM_CC_PolicyTemplate
        #[doc(alias = "TPM_CC_PolicyTemplate")]
        POLICY_TEMPLATE = 0x00000190,
        /// TPM_CC_CreateLoaded
        #[doc(alias = "TPM_CC_CreateLoaded")]
        CREATE_LOADED = 0x00000191,
        /// TPM_CC_PolicyAuthorizeNV
        #[doc(alias = "TPM_CC_PolicyAuthorizeNV")]
        POLICY_AUTHORIZE_NV = 0x00000192,
        /// TPM_CC_EncryptDecrypt2
        #[doc(alias = "TPM_CC_EncryptDecrypt2")]
        ENCRYPT_DECRYPT2 = 0x00000193,
        /// TPM_CC_AC_GetCapability
        #[doc(alias = "TPM_CC_AC_GetCapability")]
        AC_GET_CAPABILITY = 0x00000194,
        /// TPM_CC_AC_Send
        #[doc(alias = "TPM_CC_AC_Send")]
        AC_SEND = 0x00000195,
        /// TPM_CC_Policy_AC_SendSelect
        #[doc(alias = "TPM_CC_Policy_AC_SendSelect")]
        POLICY_AC_SEND_SELECT = 0x00000196,
        /// TPM_CC_CertifyX509
        #[doc(alias = "TPM_CC_CertifyX509")]
        CERTIFY_X509 = 0x00000197,
        /// TPM_CC_ACT_SetTimeout
        #[doc(alias = "TPM_CC_ACT_SetTimeout")]
        ACT_SET_TIMEOUT = 0x00000198,
        /// TPM_CC_ECC_Encrypt
        #[doc(alias = "TPM_CC_ECC_Encrypt")]
        ECC_ENCRYPT = 0x00000199,
        /// TPM_CC_ECC_Decrypt
        #[doc(alias = "TPM_CC_ECC_Decrypt")]
        ECC_DECRYPT = 0x0000019A,
        /// TPM_CC_Vendor_TCG_Test
        #[doc(alias = "TPM_CC_Vendor_TCG_Test")]
        VENDOR_TCG_TEST = 0x20000000,
    }
}

impl TpmCc {
    /// TPM_CC_MAC: TPM2_MAC shares its code with TPM2_HMAC (Part 3 §15.5; not in `ALL`).
    #[doc(alias = "TPM_CC_MAC")]
    pub const MAC: TpmCc = TpmCc::HMAC;
    /// TPM_CC_MAC_Start: TPM2_MAC_Start shares its code with TPM2_HMAC_Start (Part 3 §17.3;
    /// not in `ALL`).
    #[doc(alias = "TPM_CC_MAC_Start")]
    pub const MAC_START: TpmCc = TpmCc::HMAC_START;
    /// TPM_CC_FIRST: the lowest command code of the library (not in `ALL`).
    #[doc(alias = "TPM_CC_FIRST")]
    pub const FIRST: TpmCc = TpmCc::NV_UNDEFINE_SPACE_SPECIAL;
    /// TPM_CC_LAST: the highest library command code of libtpms 0.9 (not in `ALL`).
    #[doc(alias = "TPM_CC_LAST")]
    pub const LAST: TpmCc = TpmCc::ECC_DECRYPT;
    /// Bit 29 of a command code: set for vendor-specific commands (TPM 2.0 Part 2 §8.9, TPMA_CC.V).
    pub const VENDOR_BIT: u32 = 0x2000_0000;
    /// Is this a vendor-specific command code (its V bit set)?
    pub const fn is_vendor(self) -> bool {
        self.0 & Self::VENDOR_BIT != 0
    }
}

/// TPM_SPEC values libtpms 0.9 reports (TPM 2.0 Part 2 §6.1, Table 6): family "2.0", level 00,
/// revision 1.64 of 2021 (TPM_PT_REVISION, TPM_PT_YEAR, TPM_PT_DAY_OF_YEAR as swtpm 0.7 returns
/// them).
#[doc(alias = "TPM_SPEC")]
pub mod spec {
    /// TPM_SPEC_FAMILY: ASCII "2.0" with a terminating zero.
    #[doc(alias = "TPM_SPEC_FAMILY")]
    pub const FAMILY: u32 = 0x322E_3000;
    /// TPM_SPEC_LEVEL.
    #[doc(alias = "TPM_SPEC_LEVEL")]
    pub const LEVEL: u32 = 0;
    /// TPM_SPEC_VERSION: revision times 100 (libtpms 0.9 `TpmTypes.h` SPEC_VERSION 164).
    #[doc(alias = "TPM_SPEC_VERSION")]
    pub const VERSION: u32 = 164;
    /// TPM_SPEC_YEAR (libtpms 0.9 `TpmTypes.h` SPEC_YEAR).
    #[doc(alias = "TPM_SPEC_YEAR")]
    pub const YEAR: u32 = 2021;
    /// TPM_SPEC_DAY_OF_YEAR (libtpms 0.9 `TpmTypes.h` SPEC_DAY_OF_YEAR).
    #[doc(alias = "TPM_SPEC_DAY_OF_YEAR")]
    pub const DAY_OF_YEAR: u32 = 75;
}

wire_enum! {
    /// TPM_GENERATED (TPM 2.0 Part 2 §6.2, Table 7): the magic of every TPMS_ATTEST.
    #[doc(alias = "TPM_GENERATED")]
    pub struct TpmGenerated(u32) {

        /// TPM_GENERATED_VALUE: 0xFF followed by ASCII "TCG"
        #[doc(alias = "TPM_GENERATED_VALUE")]
        VALUE = 0xFF54_4347,
    }
}

/// TPM_MAX_DERIVATION_BITS (TPM 2.0 Part 2 §6.2, Table 7): the most bits KDFa/KDFe derive in
/// one call.
#[doc(alias = "TPM_MAX_DERIVATION_BITS")]
pub const MAX_DERIVATION_BITS: u32 = 8192;

wire_enum! {
    /// TPM_CLOCK_ADJUST (TPM 2.0 Part 2 §6.7, Table 17): a signed 8-bit rate adjustment.
    #[doc(alias = "TPM_CLOCK_ADJUST")]
    pub struct TpmClockAdjust(i8) {

        /// TPM_CLOCK_COARSE_SLOWER
        #[doc(alias = "TPM_CLOCK_COARSE_SLOWER")]
        COARSE_SLOWER = -3,
        /// TPM_CLOCK_MEDIUM_SLOWER
        #[doc(alias = "TPM_CLOCK_MEDIUM_SLOWER")]
        MEDIUM_SLOWER = -2,
        /// TPM_CLOCK_FINE_SLOWER
        #[doc(alias = "TPM_CLOCK_FINE_SLOWER")]
        FINE_SLOWER = -1,
        /// TPM_CLOCK_NO_CHANGE
        #[doc(alias = "TPM_CLOCK_NO_CHANGE")]
        NO_CHANGE = 0,
        /// TPM_CLOCK_FINE_FASTER
        #[doc(alias = "TPM_CLOCK_FINE_FASTER")]
        FINE_FASTER = 1,
        /// TPM_CLOCK_MEDIUM_FASTER
        #[doc(alias = "TPM_CLOCK_MEDIUM_FASTER")]
        MEDIUM_FASTER = 2,
        /// TPM_CLOCK_COARSE_FASTER
        #[doc(alias = "TPM_CLOCK_COARSE_FASTER")]
        COARSE_FASTER = 3,
    }
}

wire_enum! {
    /// TPM_EO, the comparison operators of TPM2_PolicyCounterTimer and TPM2_PolicyNV (TPM 2.0 Part 2 §6.8, Table 18).
    #[doc(alias = "TPM_EO")]
    pub struct TpmEo(u16) {
        /// TPM_EO_EQ
        #[doc(alias = "TPM_EO_EQ")]
        EQ = 0x0000,
        /// TPM_EO_NEQ
        #[doc(alias = "TPM_EO_NEQ")]
        NEQ = 0x0001,
        /// TPM_EO_SIGNED_GT
        #[doc(alias = "TPM_EO_SIGNED_GT")]
        SIGNED_GT = 0x0002,
        /// TPM_EO_UNSIGNED_GT
        #[doc(alias = "TPM_EO_UNSIGNED_GT")]
        UNSIGNED_GT = 0x0003,
        /// TPM_EO_SIGNED_LT
        #[doc(alias = "TPM_EO_SIGNED_LT")]
        SIGNED_LT = 0x0004,
        /// TPM_EO_UNSIGNED_LT
        #[doc(alias = "TPM_EO_UNSIGNED_LT")]
        UNSIGNED_LT = 0x0005,
        /// TPM_EO_SIGNED_GE
        #[doc(alias = "TPM_EO_SIGNED_GE")]
        SIGNED_GE = 0x0006,
        /// TPM_EO_UNSIGNED_GE
        #[doc(alias = "TPM_EO_UNSIGNED_GE")]
        UNSIGNED_GE = 0x0007,
        /// TPM_EO_SIGNED_LE
        #[doc(alias = "TPM_EO_SIGNED_LE")]
        SIGNED_LE = 0x0008,
        /// TPM_EO_UNSIGNED_LE
        #[doc(alias = "TPM_EO_UNSIGNED_LE")]
        UNSIGNED_LE = 0x0009,
        /// TPM_EO_BITSET
        #[doc(alias = "TPM_EO_BITSET")]
        BITSET = 0x000A,
        /// TPM_EO_BITCLEAR
        #[doc(alias = "TPM_EO_BITCLEAR")]
        BITCLEAR = 0x000B,
    }
}

wire_enum! {
    /// TPM_ST, structure tags (TPM 2.0 Part 2 §6.9, Table 19).
    #[doc(alias = "TPM_ST")]
    pub struct TpmSt(u16) {
        /// TPM_ST_RSP_COMMAND
        #[doc(alias = "TPM_ST_RSP_COMMAND")]
        RSP_COMMAND = 0x00C4,
        /// TPM_ST_NULL
        #[doc(alias = "TPM_ST_NULL")]
        NULL = 0x8000,
        /// TPM_ST_NO_SESSIONS
        #[doc(alias = "TPM_ST_NO_SESSIONS")]
        NO_SESSIONS = 0x8001,
        /// TPM_ST_SESSIONS
        #[doc(alias = "TPM_ST_SESSIONS")]
        SESSIONS = 0x8002,
        /// TPM_ST_ATTEST_NV
        #[doc(alias = "TPM_ST_ATTEST_NV")]
        ATTEST_NV = 0x8014,
        /// TPM_ST_ATTEST_COMMAND_AUDIT
        #[doc(alias = "TPM_ST_ATTEST_COMMAND_AUDIT")]
        ATTEST_COMMAND_AUDIT = 0x8015,
        /// TPM_ST_ATTEST_SESSION_AUDIT
        #[doc(alias = "TPM_ST_ATTEST_SESSION_AUDIT")]
        ATTEST_SESSION_AUDIT = 0x8016,
        /// TPM_ST_ATTEST_CERTIFY
        #[doc(alias = "TPM_ST_ATTEST_CERTIFY")]
        ATTEST_CERTIFY = 0x8017,
        /// TPM_ST_ATTEST_QUOTE
        #[doc(alias = "TPM_ST_ATTEST_QUOTE")]
        ATTEST_QUOTE = 0x8018,
        /// TPM_ST_ATTEST_TIME
        #[doc(alias = "TPM_ST_ATTEST_TIME")]
        ATTEST_TIME = 0x8019,
        /// TPM_ST_ATTEST_CREATION
        #[doc(alias = "TPM_ST_ATTEST_CREATION")]
        ATTEST_CREATION = 0x801A,
        /// TPM_ST_ATTEST_NV_DIGEST
        #[doc(alias = "TPM_ST_ATTEST_NV_DIGEST")]
        ATTEST_NV_DIGEST = 0x801C,
        /// TPM_ST_CREATION
        #[doc(alias = "TPM_ST_CREATION")]
        CREATION = 0x8021,
        /// TPM_ST_VERIFIED
        #[doc(alias = "TPM_ST_VERIFIED")]
        VERIFIED = 0x8022,
        /// TPM_ST_AUTH_SECRET
        #[doc(alias = "TPM_ST_AUTH_SECRET")]
        AUTH_SECRET = 0x8023,
        /// TPM_ST_HASHCHECK
        #[doc(alias = "TPM_ST_HASHCHECK")]
        HASHCHECK = 0x8024,
        /// TPM_ST_AUTH_SIGNED
        #[doc(alias = "TPM_ST_AUTH_SIGNED")]
        AUTH_SIGNED = 0x8025,
        /// TPM_ST_FU_MANIFEST
        #[doc(alias = "TPM_ST_FU_MANIFEST")]
        FU_MANIFEST = 0x8029,
        /// TPM_ST_RESERVED1 (0x8003; tss2 name: TRM tag for Name-format handles)
        #[doc(alias = "TPM_ST_RESERVED1 (0x8003; tss2 name: TRM tag for Name-format handles)")]
        RESERVED1 = 0x8003,
        /// TPM_ST_RESERVED2 (0x8004; tss2 name)
        #[doc(alias = "TPM_ST_RESERVED2 (0x8004; tss2 name)")]
        RESERVED2 = 0x8004,
        /// TPM_ST_RESERVED3 (0x801B; formerly TPM_ST_ATTEST_NV, tss2 name)
        #[doc(alias = "TPM_ST_RESERVED3 (0x801B; formerly TPM_ST_ATTEST_NV, tss2 name)")]
        RESERVED3 = 0x801B,
    }
}

wire_enum! {
    /// TPM_SU, startup and shutdown types (TPM 2.0 Part 2 §6.10, Table 20).
    #[doc(alias = "TPM_SU")]
    pub struct TpmSu(u16) {
        /// TPM_SU_CLEAR
        #[doc(alias = "TPM_SU_CLEAR")]
        CLEAR = 0x0000,
        /// TPM_SU_STATE
        #[doc(alias = "TPM_SU_STATE")]
        STATE = 0x0001,
    }
}

wire_enum! {
    /// TPM_SE, session types (TPM 2.0 Part 2 §6.11, Table 21).
    #[doc(alias = "TPM_SE")]
    pub struct TpmSe(u8) {
        /// TPM_SE_HMAC
        #[doc(alias = "TPM_SE_HMAC")]
        HMAC = 0x00,
        /// TPM_SE_POLICY
        #[doc(alias = "TPM_SE_POLICY")]
        POLICY = 0x01,
        /// TPM_SE_TRIAL
        #[doc(alias = "TPM_SE_TRIAL")]
        TRIAL = 0x03,
    }
}

wire_enum! {
    /// TPM_CAP, capability groups of TPM2_GetCapability (TPM 2.0 Part 2 §6.12, Table 22).
    #[doc(alias = "TPM_CAP")]
    pub struct TpmCap(u32) {
        /// TPM_CAP_ALGS
        #[doc(alias = "TPM_CAP_ALGS")]
        ALGS = 0x00000000,
        /// TPM_CAP_HANDLES
        #[doc(alias = "TPM_CAP_HANDLES")]
        HANDLES = 0x00000001,
        /// TPM_CAP_COMMANDS
        #[doc(alias = "TPM_CAP_COMMANDS")]
        COMMANDS = 0x00000002,
        /// TPM_CAP_PP_COMMANDS
        #[doc(alias = "TPM_CAP_PP_COMMANDS")]
        PP_COMMANDS = 0x00000003,
        /// TPM_CAP_AUDIT_COMMANDS
        #[doc(alias = "TPM_CAP_AUDIT_COMMANDS")]
        AUDIT_COMMANDS = 0x00000004,
        /// TPM_CAP_PCRS
        #[doc(alias = "TPM_CAP_PCRS")]
        PCRS = 0x00000005,
        /// TPM_CAP_TPM_PROPERTIES
        #[doc(alias = "TPM_CAP_TPM_PROPERTIES")]
        TPM_PROPERTIES = 0x00000006,
        /// TPM_CAP_PCR_PROPERTIES
        #[doc(alias = "TPM_CAP_PCR_PROPERTIES")]
        PCR_PROPERTIES = 0x00000007,
        /// TPM_CAP_ECC_CURVES
        #[doc(alias = "TPM_CAP_ECC_CURVES")]
        ECC_CURVES = 0x00000008,
        /// TPM_CAP_AUTH_POLICIES
        #[doc(alias = "TPM_CAP_AUTH_POLICIES")]
        AUTH_POLICIES = 0x00000009,
        /// TPM_CAP_ACT
        #[doc(alias = "TPM_CAP_ACT")]
        ACT = 0x0000000A,
        /// TPM_CAP_VENDOR_PROPERTY
        #[doc(alias = "TPM_CAP_VENDOR_PROPERTY")]
        VENDOR_PROPERTY = 0x00000100,
    }
}

impl TpmCap {
    /// TPM_CAP_FIRST (not in `ALL`).
    #[doc(alias = "TPM_CAP_FIRST")]
    pub const FIRST: TpmCap = TpmCap::ALGS;
    /// TPM_CAP_LAST: the highest capability of rev 1.59 (not in `ALL`).
    #[doc(alias = "TPM_CAP_LAST")]
    pub const LAST: TpmCap = TpmCap::ACT;
}

wire_enum! {
    /// TPM_PT, TPM property tags (TPM 2.0 Part 2 §6.13, Table 23): the fixed group (PT_FIXED + n) and the variable group (PT_VAR + n).
    #[doc(alias = "TPM_PT")]
    pub struct TpmPt(u32) {
        /// TPM_PT_FAMILY_INDICATOR (PT_FIXED + 0)
        #[doc(alias = "TPM_PT_FAMILY_INDICATOR")]
        FAMILY_INDICATOR = 0x00000100,
        /// TPM_PT_LEVEL (PT_FIXED + 1)
        #[doc(alias = "TPM_PT_LEVEL")]
        LEVEL = 0x00000101,
        /// TPM_PT_REVISION (PT_FIXED + 2)
        #[doc(alias = "TPM_PT_REVISION")]
        REVISION = 0x00000102,
        /// TPM_PT_DAY_OF_YEAR (PT_FIXED + 3)
        #[doc(alias = "TPM_PT_DAY_OF_YEAR")]
        DAY_OF_YEAR = 0x00000103,
        /// TPM_PT_YEAR (PT_FIXED + 4)
        #[doc(alias = "TPM_PT_YEAR")]
        YEAR = 0x00000104,
        /// TPM_PT_MANUFACTURER (PT_FIXED + 5)
        #[doc(alias = "TPM_PT_MANUFACTURER")]
        MANUFACTURER = 0x00000105,
        /// TPM_PT_VENDOR_STRING_1 (PT_FIXED + 6)
        #[doc(alias = "TPM_PT_VENDOR_STRING_1")]
        VENDOR_STRING_1 = 0x00000106,
        /// TPM_PT_VENDOR_STRING_2 (PT_FIXED + 7)
        #[doc(alias = "TPM_PT_VENDOR_STRING_2")]
        VENDOR_STRING_2 = 0x00000107,
        /// TPM_PT_VENDOR_STRING_3 (PT_FIXED + 8)
        #[doc(alias = "TPM_PT_VENDOR_STRING_3")]
        VENDOR_STRING_3 = 0x00000108,
        /// TPM_PT_VENDOR_STRING_4 (PT_FIXED + 9)
        #[doc(alias = "TPM_PT_VENDOR_STRING_4")]
        VENDOR_STRING_4 = 0x00000109,
        /// TPM_PT_VENDOR_TPM_TYPE (PT_FIXED + 10)
        #[doc(alias = "TPM_PT_VENDOR_TPM_TYPE")]
        VENDOR_TPM_TYPE = 0x0000010A,
        /// TPM_PT_FIRMWARE_VERSION_1 (PT_FIXED + 11)
        #[doc(alias = "TPM_PT_FIRMWARE_VERSION_1")]
        FIRMWARE_VERSION_1 = 0x0000010B,
        /// TPM_PT_FIRMWARE_VERSION_2 (PT_FIXED + 12)
        #[doc(alias = "TPM_PT_FIRMWARE_VERSION_2")]
        FIRMWARE_VERSION_2 = 0x0000010C,
        /// TPM_PT_INPUT_BUFFER (PT_FIXED + 13)
        #[doc(alias = "TPM_PT_INPUT_BUFFER")]
        INPUT_BUFFER = 0x0000010D,
        /// TPM_PT_HR_TRANSIENT_MIN (PT_FIXED + 14)
        #[doc(alias = "TPM_PT_HR_TRANSIENT_MIN")]
        HR_TRANSIENT_MIN = 0x0000010E,
        /// TPM_PT_HR_PERSISTENT_MIN (PT_FIXED + 15)
        #[doc(alias = "TPM_PT_HR_PERSISTENT_MIN")]
        HR_PERSISTENT_MIN = 0x0000010F,
        /// TPM_PT_HR_LOADED_MIN (PT_FIXED + 16)
        #[doc(alias = "TPM_PT_HR_LOADED_MIN")]
        HR_LOADED_MIN = 0x00000110,
        /// TPM_PT_ACTIVE_SESSIONS_MAX (PT_FIXED + 17)
        #[doc(alias = "TPM_PT_ACTIVE_SESSIONS_MAX")]
        ACTIVE_SESSIONS_MAX = 0x00000111,
        /// TPM_PT_PCR_COUNT (PT_FIXED + 18)
        #[doc(alias = "TPM_PT_PCR_COUNT")]
        PCR_COUNT = 0x00000112,
        /// TPM_PT_PCR_SELECT_MIN (PT_FIXED + 19)
        #[doc(alias = "TPM_PT_PCR_SELECT_MIN")]
        PCR_SELECT_MIN = 0x00000113,
        /// TPM_PT_CONTEXT_GAP_MAX (PT_FIXED + 20)
        #[doc(alias = "TPM_PT_CONTEXT_GAP_MAX")]
        CONTEXT_GAP_MAX = 0x00000114,
        /// TPM_PT_NV_COUNTERS_MAX (PT_FIXED + 22)
        #[doc(alias = "TPM_PT_NV_COUNTERS_MAX")]
        NV_COUNTERS_MAX = 0x00000116,
        /// TPM_PT_NV_INDEX_MAX (PT_FIXED + 23)
        #[doc(alias = "TPM_PT_NV_INDEX_MAX")]
        NV_INDEX_MAX = 0x00000117,
        /// TPM_PT_MEMORY (PT_FIXED + 24)
        #[doc(alias = "TPM_PT_MEMORY")]
        MEMORY = 0x00000118,
        /// TPM_PT_CLOCK_UPDATE (PT_FIXED + 25)
        #[doc(alias = "TPM_PT_CLOCK_UPDATE")]
        CLOCK_UPDATE = 0x00000119,
        /// TPM_PT_CONTEXT_HASH (PT_FIXED + 26)
        #[doc(alias = "TPM_PT_CONTEXT_HASH")]
        CONTEXT_HASH = 0x0000011A,
        /// TPM_PT_CONTEXT_SYM (PT_FIXED + 27)
        #[doc(alias = "TPM_PT_CONTEXT_SYM")]
        CONTEXT_SYM = 0x0000011B,
        /// TPM_PT_CONTEXT_SYM_SIZE (PT_FIXED + 28)
        #[doc(alias = "TPM_PT_CONTEXT_SYM_SIZE")]
        CONTEXT_SYM_SIZE = 0x0000011C,
        /// TPM_PT_ORDERLY_COUNT (PT_FIXED + 29)
        #[doc(alias = "TPM_PT_ORDERLY_COUNT")]
        ORDERLY_COUNT = 0x0000011D,
        /// TPM_PT_MAX_COMMAND_SIZE (PT_FIXED + 30)
        #[doc(alias = "TPM_PT_MAX_COMMAND_SIZE")]
        MAX_COMMAND_SIZE = 0x0000011E,
        /// TPM_PT_MAX_RESPONSE_SIZE (PT_FIXED + 31)
        #[doc(alias = "TPM_PT_MAX_RESPONSE_SIZE")]
        MAX_RESPONSE_SIZE = 0x0000011F,
        /// TPM_PT_MAX_DIGEST (PT_FIXED + 32)
        #[doc(alias = "TPM_PT_MAX_DIGEST")]
        MAX_DIGEST = 0x00000120,
        /// TPM_PT_MAX_OBJECT_CONTEXT (PT_FIXED + 33)
        #[doc(alias = "TPM_PT_MAX_OBJECT_CONTEXT")]
        MAX_OBJECT_CONTEXT = 0x00000121,
        /// TPM_PT_MAX_SESSION_CONTEXT (PT_FIXED + 34)
        #[doc(alias = "TPM_PT_MAX_SESSION_CONTEXT")]
        MAX_SESSION_CONTEXT = 0x00000122,
        /// TPM_PT_PS_FAMILY_INDICATOR (PT_FIXED + 35)
        #[doc(alias = "TPM_PT_PS_FAMILY_INDICATOR")]
        PS_FAMILY_INDICATOR = 0x00000123,
        /// TPM_PT_PS_LEVEL (PT_FIXED + 36)
        #[doc(alias = "TPM_PT_PS_LEVEL")]
        PS_LEVEL = 0x00000124,
        /// TPM_PT_PS_REVISION (PT_FIXED + 37)
        #[doc(alias = "TPM_PT_PS_REVISION")]
        PS_REVISION = 0x00000125,
        /// TPM_PT_PS_DAY_OF_YEAR (PT_FIXED + 38)
        #[doc(alias = "TPM_PT_PS_DAY_OF_YEAR")]
        PS_DAY_OF_YEAR = 0x00000126,
        /// TPM_PT_PS_YEAR (PT_FIXED + 39)
        #[doc(alias = "TPM_PT_PS_YEAR")]
        PS_YEAR = 0x00000127,
        /// TPM_PT_SPLIT_MAX (PT_FIXED + 40)
        #[doc(alias = "TPM_PT_SPLIT_MAX")]
        SPLIT_MAX = 0x00000128,
        /// TPM_PT_TOTAL_COMMANDS (PT_FIXED + 41)
        #[doc(alias = "TPM_PT_TOTAL_COMMANDS")]
        TOTAL_COMMANDS = 0x00000129,
        /// TPM_PT_LIBRARY_COMMANDS (PT_FIXED + 42)
        #[doc(alias = "TPM_PT_LIBRARY_COMMANDS")]
        LIBRARY_COMMANDS = 0x0000012A,
        /// TPM_PT_VENDOR_COMMANDS (PT_FIXED + 43)
        #[doc(alias = "TPM_PT_VENDOR_COMMANDS")]
        VENDOR_COMMANDS = 0x0000012B,
        /// TPM_PT_NV_BUFFER_MAX (PT_FIXED + 44)
        #[doc(alias = "TPM_PT_NV_BUFFER_MAX")]
        NV_BUFFER_MAX = 0x0000012C,
        /// TPM_PT_MODES (PT_FIXED + 45)
        #[doc(alias = "TPM_PT_MODES")]
        MODES = 0x0000012D,
        /// TPM_PT_MAX_CAP_BUFFER (PT_FIXED + 46)
        #[doc(alias = "TPM_PT_MAX_CAP_BUFFER")]
        MAX_CAP_BUFFER = 0x0000012E,
        /// TPM_PT_PERMANENT (PT_VAR + 0)
        #[doc(alias = "TPM_PT_PERMANENT")]
        PERMANENT = 0x00000200,
        /// TPM_PT_STARTUP_CLEAR (PT_VAR + 1)
        #[doc(alias = "TPM_PT_STARTUP_CLEAR")]
        STARTUP_CLEAR = 0x00000201,
        /// TPM_PT_HR_NV_INDEX (PT_VAR + 2)
        #[doc(alias = "TPM_PT_HR_NV_INDEX")]
        HR_NV_INDEX = 0x00000202,
        /// TPM_PT_HR_LOADED (PT_VAR + 3)
        #[doc(alias = "TPM_PT_HR_LOADED")]
        HR_LOADED = 0x00000203,
        /// TPM_PT_HR_LOADED_AVAIL (PT_VAR + 4)
        #[doc(alias = "TPM_PT_HR_LOADED_AVAIL")]
        HR_LOADED_AVAIL = 0x00000204,
        /// TPM_PT_HR_ACTIVE (PT_VAR + 5)
        #[doc(alias = "TPM_PT_HR_ACTIVE")]
        HR_ACTIVE = 0x00000205,
        /// TPM_PT_HR_ACTIVE_AVAIL (PT_VAR + 6)
        #[doc(alias = "TPM_PT_HR_ACTIVE_AVAIL")]
        HR_ACTIVE_AVAIL = 0x00000206,
        /// TPM_PT_HR_TRANSIENT_AVAIL (PT_VAR + 7)
        #[doc(alias = "TPM_PT_HR_TRANSIENT_AVAIL")]
        HR_TRANSIENT_AVAIL = 0x00000207,
        /// TPM_PT_HR_PERSISTENT (PT_VAR + 8)
        #[doc(alias = "TPM_PT_HR_PERSISTENT")]
        HR_PERSISTENT = 0x00000208,
        /// TPM_PT_HR_PERSISTENT_AVAIL (PT_VAR + 9)
        #[doc(alias = "TPM_PT_HR_PERSISTENT_AVAIL")]
        HR_PERSISTENT_AVAIL = 0x00000209,
        /// TPM_PT_NV_COUNTERS (PT_VAR + 10)
        #[doc(alias = "TPM_PT_NV_COUNTERS")]
        NV_COUNTERS = 0x0000020A,
        /// TPM_PT_NV_COUNTERS_AVAIL (PT_VAR + 11)
        #[doc(alias = "TPM_PT_NV_COUNTERS_AVAIL")]
        NV_COUNTERS_AVAIL = 0x0000020B,
        /// TPM_PT_ALGORITHM_SET (PT_VAR + 12)
        #[doc(alias = "TPM_PT_ALGORITHM_SET")]
        ALGORITHM_SET = 0x0000020C,
        /// TPM_PT_LOADED_CURVES (PT_VAR + 13)
        #[doc(alias = "TPM_PT_LOADED_CURVES")]
        LOADED_CURVES = 0x0000020D,
        /// TPM_PT_LOCKOUT_COUNTER (PT_VAR + 14)
        #[doc(alias = "TPM_PT_LOCKOUT_COUNTER")]
        LOCKOUT_COUNTER = 0x0000020E,
        /// TPM_PT_MAX_AUTH_FAIL (PT_VAR + 15)
        #[doc(alias = "TPM_PT_MAX_AUTH_FAIL")]
        MAX_AUTH_FAIL = 0x0000020F,
        /// TPM_PT_LOCKOUT_INTERVAL (PT_VAR + 16)
        #[doc(alias = "TPM_PT_LOCKOUT_INTERVAL")]
        LOCKOUT_INTERVAL = 0x00000210,
        /// TPM_PT_LOCKOUT_RECOVERY (PT_VAR + 17)
        #[doc(alias = "TPM_PT_LOCKOUT_RECOVERY")]
        LOCKOUT_RECOVERY = 0x00000211,
        /// TPM_PT_NV_WRITE_RECOVERY (PT_VAR + 18)
        #[doc(alias = "TPM_PT_NV_WRITE_RECOVERY")]
        NV_WRITE_RECOVERY = 0x00000212,
        /// TPM_PT_AUDIT_COUNTER_0 (PT_VAR + 19)
        #[doc(alias = "TPM_PT_AUDIT_COUNTER_0")]
        AUDIT_COUNTER_0 = 0x00000213,
        /// TPM_PT_AUDIT_COUNTER_1 (PT_VAR + 20)
        #[doc(alias = "TPM_PT_AUDIT_COUNTER_1")]
        AUDIT_COUNTER_1 = 0x00000214,
        /// TPM_PT_NONE: no property
        #[doc(alias = "TPM_PT_NONE: no property")]
        NONE = 0x0000_0000,
    }
}

impl TpmPt {
    /// PT_GROUP: the number of properties in each group (not in `ALL`).
    #[doc(alias = "PT_GROUP")]
    pub const GROUP: TpmPt = TpmPt(0x0000_0100);
    /// PT_FIXED: the first fixed property, TPM_PT_FAMILY_INDICATOR (not in `ALL`).
    #[doc(alias = "PT_FIXED")]
    pub const FIXED: TpmPt = TpmPt(0x0000_0100);
    /// PT_VAR: the first variable property, TPM_PT_PERMANENT (not in `ALL`).
    #[doc(alias = "PT_VAR")]
    pub const VAR: TpmPt = TpmPt(0x0000_0200);
}

wire_enum! {
    /// TPM_PT_PCR, PCR property tags (TPM 2.0 Part 2 §6.14, Table 24).
    #[doc(alias = "TPM_PT_PCR")]
    pub struct TpmPtPcr(u32) {
        /// TPM_PT_PCR_SAVE
        #[doc(alias = "TPM_PT_PCR_SAVE")]
        SAVE = 0x00000000,
        /// TPM_PT_PCR_EXTEND_L0
        #[doc(alias = "TPM_PT_PCR_EXTEND_L0")]
        EXTEND_L0 = 0x00000001,
        /// TPM_PT_PCR_RESET_L0
        #[doc(alias = "TPM_PT_PCR_RESET_L0")]
        RESET_L0 = 0x00000002,
        /// TPM_PT_PCR_EXTEND_L1
        #[doc(alias = "TPM_PT_PCR_EXTEND_L1")]
        EXTEND_L1 = 0x00000003,
        /// TPM_PT_PCR_RESET_L1
        #[doc(alias = "TPM_PT_PCR_RESET_L1")]
        RESET_L1 = 0x00000004,
        /// TPM_PT_PCR_EXTEND_L2
        #[doc(alias = "TPM_PT_PCR_EXTEND_L2")]
        EXTEND_L2 = 0x00000005,
        /// TPM_PT_PCR_RESET_L2
        #[doc(alias = "TPM_PT_PCR_RESET_L2")]
        RESET_L2 = 0x00000006,
        /// TPM_PT_PCR_EXTEND_L3
        #[doc(alias = "TPM_PT_PCR_EXTEND_L3")]
        EXTEND_L3 = 0x00000007,
        /// TPM_PT_PCR_RESET_L3
        #[doc(alias = "TPM_PT_PCR_RESET_L3")]
        RESET_L3 = 0x00000008,
        /// TPM_PT_PCR_EXTEND_L4
        #[doc(alias = "TPM_PT_PCR_EXTEND_L4")]
        EXTEND_L4 = 0x00000009,
        /// TPM_PT_PCR_RESET_L4
        #[doc(alias = "TPM_PT_PCR_RESET_L4")]
        RESET_L4 = 0x0000000A,
        /// TPM_PT_PCR_NO_INCREMENT
        #[doc(alias = "TPM_PT_PCR_NO_INCREMENT")]
        NO_INCREMENT = 0x00000011,
        /// TPM_PT_PCR_DRTM_RESET
        #[doc(alias = "TPM_PT_PCR_DRTM_RESET")]
        DRTM_RESET = 0x00000012,
        /// TPM_PT_PCR_POLICY
        #[doc(alias = "TPM_PT_PCR_POLICY")]
        POLICY = 0x00000013,
        /// TPM_PT_PCR_AUTH
        #[doc(alias = "TPM_PT_PCR_AUTH")]
        AUTH = 0x00000014,
    }
}

impl TpmPtPcr {
    /// TPM_PT_PCR_FIRST (not in `ALL`).
    #[doc(alias = "TPM_PT_PCR_FIRST")]
    pub const FIRST: TpmPtPcr = TpmPtPcr::SAVE;
    /// TPM_PT_PCR_LAST (not in `ALL`).
    #[doc(alias = "TPM_PT_PCR_LAST")]
    pub const LAST: TpmPtPcr = TpmPtPcr::AUTH;
}

wire_enum! {
    /// TPM_PS, platform-specific families (TPM 2.0 Part 2 §6.15, Table 25).
    #[doc(alias = "TPM_PS")]
    pub struct TpmPs(u32) {
        /// TPM_PS_MAIN
        #[doc(alias = "TPM_PS_MAIN")]
        MAIN = 0x00000000,
        /// TPM_PS_PC
        #[doc(alias = "TPM_PS_PC")]
        PC = 0x00000001,
        /// TPM_PS_PDA
        #[doc(alias = "TPM_PS_PDA")]
        PDA = 0x00000002,
        /// TPM_PS_CELL_PHONE
        #[doc(alias = "TPM_PS_CELL_PHONE")]
        CELL_PHONE = 0x00000003,
        /// TPM_PS_SERVER
        #[doc(alias = "TPM_PS_SERVER")]
        SERVER = 0x00000004,
        /// TPM_PS_PERIPHERAL
        #[doc(alias = "TPM_PS_PERIPHERAL")]
        PERIPHERAL = 0x00000005,
        /// TPM_PS_TSS
        #[doc(alias = "TPM_PS_TSS")]
        TSS = 0x00000006,
        /// TPM_PS_STORAGE
        #[doc(alias = "TPM_PS_STORAGE")]
        STORAGE = 0x00000007,
        /// TPM_PS_AUTHENTICATION
        #[doc(alias = "TPM_PS_AUTHENTICATION")]
        AUTHENTICATION = 0x00000008,
        /// TPM_PS_EMBEDDED
        #[doc(alias = "TPM_PS_EMBEDDED")]
        EMBEDDED = 0x00000009,
        /// TPM_PS_HARDCOPY
        #[doc(alias = "TPM_PS_HARDCOPY")]
        HARDCOPY = 0x0000000A,
        /// TPM_PS_INFRASTRUCTURE
        #[doc(alias = "TPM_PS_INFRASTRUCTURE")]
        INFRASTRUCTURE = 0x0000000B,
        /// TPM_PS_VIRTUALIZATION
        #[doc(alias = "TPM_PS_VIRTUALIZATION")]
        VIRTUALIZATION = 0x0000000C,
        /// TPM_PS_TNC
        #[doc(alias = "TPM_PS_TNC")]
        TNC = 0x0000000D,
        /// TPM_PS_MULTI_TENANT
        #[doc(alias = "TPM_PS_MULTI_TENANT")]
        MULTI_TENANT = 0x0000000E,
        /// TPM_PS_TC
        #[doc(alias = "TPM_PS_TC")]
        TC = 0x0000000F,
    }
}

wire_enum! {
    /// TPM_HT, the handle type in a handle's most significant octet (TPM 2.0 Part 2 §7.2, Table 27).
    #[doc(alias = "TPM_HT")]
    pub struct TpmHt(u8) {
        /// TPM_HT_PCR
        #[doc(alias = "TPM_HT_PCR")]
        PCR = 0x00,
        /// TPM_HT_NV_INDEX
        #[doc(alias = "TPM_HT_NV_INDEX")]
        NV_INDEX = 0x01,
        /// TPM_HT_HMAC_SESSION
        #[doc(alias = "TPM_HT_HMAC_SESSION")]
        HMAC_SESSION = 0x02,
        /// TPM_HT_POLICY_SESSION
        #[doc(alias = "TPM_HT_POLICY_SESSION")]
        POLICY_SESSION = 0x03,
        /// TPM_HT_PERMANENT
        #[doc(alias = "TPM_HT_PERMANENT")]
        PERMANENT = 0x40,
        /// TPM_HT_TRANSIENT
        #[doc(alias = "TPM_HT_TRANSIENT")]
        TRANSIENT = 0x80,
        /// TPM_HT_PERSISTENT
        #[doc(alias = "TPM_HT_PERSISTENT")]
        PERSISTENT = 0x81,
        /// TPM_HT_AC
        #[doc(alias = "TPM_HT_AC")]
        AC = 0x90,
    }
}

impl TpmHt {
    /// TPM_HT_LOADED_SESSION: HMAC_SESSION's value as TPM2_GetCapability uses it (not in `ALL`).
    #[doc(alias = "TPM_HT_LOADED_SESSION")]
    pub const LOADED_SESSION: TpmHt = TpmHt::HMAC_SESSION;
    /// TPM_HT_SAVED_SESSION: POLICY_SESSION's value as TPM2_GetCapability uses it (not in `ALL`).
    #[doc(alias = "TPM_HT_SAVED_SESSION")]
    pub const SAVED_SESSION: TpmHt = TpmHt::POLICY_SESSION;
}

wire_enum! {
    /// TPM_HANDLE with the permanent handles TPM_RH_* and TPM_RS_PW as constants (TPM 2.0 Part 2 §7.1 and §7.4, Table 28). `TpmRh` names the same type.
    #[doc(alias = "TPM_HANDLE")]
    pub struct TpmHandle(u32) {

        /// TPM_RH_SRK
        #[doc(alias = "TPM_RH_SRK")]
        SRK = 0x4000_0000,
        /// TPM_RH_OWNER
        #[doc(alias = "TPM_RH_OWNER")]
        OWNER = 0x4000_0001,
        /// TPM_RH_REVOKE
        #[doc(alias = "TPM_RH_REVOKE")]
        REVOKE = 0x4000_0002,
        /// TPM_RH_TRANSPORT
        #[doc(alias = "TPM_RH_TRANSPORT")]
        TRANSPORT = 0x4000_0003,
        /// TPM_RH_OPERATOR
        #[doc(alias = "TPM_RH_OPERATOR")]
        OPERATOR = 0x4000_0004,
        /// TPM_RH_ADMIN
        #[doc(alias = "TPM_RH_ADMIN")]
        ADMIN = 0x4000_0005,
        /// TPM_RH_EK
        #[doc(alias = "TPM_RH_EK")]
        EK = 0x4000_0006,
        /// TPM_RH_NULL
        #[doc(alias = "TPM_RH_NULL")]
        NULL = 0x4000_0007,
        /// TPM_RH_UNASSIGNED
        #[doc(alias = "TPM_RH_UNASSIGNED")]
        UNASSIGNED = 0x4000_0008,
        /// TPM_RS_PW: the password session
        #[doc(alias = "TPM_RS_PW")]
        PW = 0x4000_0009,
        /// TPM_RH_LOCKOUT
        #[doc(alias = "TPM_RH_LOCKOUT")]
        LOCKOUT = 0x4000_000A,
        /// TPM_RH_ENDORSEMENT
        #[doc(alias = "TPM_RH_ENDORSEMENT")]
        ENDORSEMENT = 0x4000_000B,
        /// TPM_RH_PLATFORM
        #[doc(alias = "TPM_RH_PLATFORM")]
        PLATFORM = 0x4000_000C,
        /// TPM_RH_PLATFORM_NV
        #[doc(alias = "TPM_RH_PLATFORM_NV")]
        PLATFORM_NV = 0x4000_000D,
        /// TPM_RH_AUTH_00: first vendor authorization handle
        #[doc(alias = "TPM_RH_AUTH_00")]
        AUTH_00 = 0x4000_0010,
        /// TPM_RH_AUTH_FF: last vendor authorization handle
        #[doc(alias = "TPM_RH_AUTH_FF")]
        AUTH_FF = 0x4000_010F,
        /// TPM_RH_ACT_0: Authenticated Countdown Timer 0
        #[doc(alias = "TPM_RH_ACT_0")]
        ACT_0 = 0x4000_0110,
        /// TPM_RH_ACT_1: Authenticated Countdown Timer 1
        #[doc(alias = "TPM_RH_ACT_1")]
        ACT_1 = 0x4000_0111,
        /// TPM_RH_ACT_2: Authenticated Countdown Timer 2
        #[doc(alias = "TPM_RH_ACT_2")]
        ACT_2 = 0x4000_0112,
        /// TPM_RH_ACT_3: Authenticated Countdown Timer 3
        #[doc(alias = "TPM_RH_ACT_3")]
        ACT_3 = 0x4000_0113,
        /// TPM_RH_ACT_4: Authenticated Countdown Timer 4
        #[doc(alias = "TPM_RH_ACT_4")]
        ACT_4 = 0x4000_0114,
        /// TPM_RH_ACT_5: Authenticated Countdown Timer 5
        #[doc(alias = "TPM_RH_ACT_5")]
        ACT_5 = 0x4000_0115,
        /// TPM_RH_ACT_6: Authenticated Countdown Timer 6
        #[doc(alias = "TPM_RH_ACT_6")]
        ACT_6 = 0x4000_0116,
        /// TPM_RH_ACT_7: Authenticated Countdown Timer 7
        #[doc(alias = "TPM_RH_ACT_7")]
        ACT_7 = 0x4000_0117,
        /// TPM_RH_ACT_8: Authenticated Countdown Timer 8
        #[doc(alias = "TPM_RH_ACT_8")]
        ACT_8 = 0x4000_0118,
        /// TPM_RH_ACT_9: Authenticated Countdown Timer 9
        #[doc(alias = "TPM_RH_ACT_9")]
        ACT_9 = 0x4000_0119,
        /// TPM_RH_ACT_A: Authenticated Countdown Timer A
        #[doc(alias = "TPM_RH_ACT_A")]
        ACT_A = 0x4000_011A,
        /// TPM_RH_ACT_B: Authenticated Countdown Timer B
        #[doc(alias = "TPM_RH_ACT_B")]
        ACT_B = 0x4000_011B,
        /// TPM_RH_ACT_C: Authenticated Countdown Timer C
        #[doc(alias = "TPM_RH_ACT_C")]
        ACT_C = 0x4000_011C,
        /// TPM_RH_ACT_D: Authenticated Countdown Timer D
        #[doc(alias = "TPM_RH_ACT_D")]
        ACT_D = 0x4000_011D,
        /// TPM_RH_ACT_E: Authenticated Countdown Timer E
        #[doc(alias = "TPM_RH_ACT_E")]
        ACT_E = 0x4000_011E,
        /// TPM_RH_ACT_F: Authenticated Countdown Timer F
        #[doc(alias = "TPM_RH_ACT_F")]
        ACT_F = 0x4000_011F,
    }
}

/// TPM_RH (TPM 2.0 Part 2 §7.4, Table 28): the permanent handles are constants of [`TpmHandle`],
/// so `TpmRh::OWNER` and `TpmHandle::OWNER` are the same value.
#[doc(alias = "TPM_RH")]
pub type TpmRh = TpmHandle;

impl TpmHandle {
    /// TPM_RH_FIRST (not in `ALL`).
    #[doc(alias = "TPM_RH_FIRST")]
    pub const FIRST: TpmHandle = TpmHandle::SRK;
    /// TPM_RH_LAST: the last permanent handle of rev 1.59 (not in `ALL`).
    #[doc(alias = "TPM_RH_LAST")]
    pub const LAST: TpmHandle = TpmHandle::ACT_F;
    /// TPM_RH_PW: the tss2 name of TPM_RS_PW (not in `ALL`).
    #[doc(alias = "TPM_RH_PW")]
    #[doc(alias = "TPM_RS_PW")]
    pub const RS_PW: TpmHandle = TpmHandle::PW;
}

wire_enum! {
    /// TPM_NT, the NV Index type in TPMA_NV bits 7:4 (TPM 2.0 Part 2 §13.3, Table 206).
    #[doc(alias = "TPM_NT")]
    pub struct TpmNt(u32) {
        /// TPM_NT_ORDINARY
        #[doc(alias = "TPM_NT_ORDINARY")]
        ORDINARY = 0x0,
        /// TPM_NT_COUNTER
        #[doc(alias = "TPM_NT_COUNTER")]
        COUNTER = 0x1,
        /// TPM_NT_BITS
        #[doc(alias = "TPM_NT_BITS")]
        BITS = 0x2,
        /// TPM_NT_EXTEND
        #[doc(alias = "TPM_NT_EXTEND")]
        EXTEND = 0x4,
        /// TPM_NT_PIN_FAIL
        #[doc(alias = "TPM_NT_PIN_FAIL")]
        PIN_FAIL = 0x8,
        /// TPM_NT_PIN_PASS
        #[doc(alias = "TPM_NT_PIN_PASS")]
        PIN_PASS = 0x9,
    }
}

wire_enum! {
    /// TPM_AT, attached-component tags (TPM 2.0 Part 2, Table 220 of rev 1.59 as libtpms numbers it).
    #[doc(alias = "TPM_AT")]
    pub struct TpmAt(u32) {
        /// TPM_AT_ANY
        #[doc(alias = "TPM_AT_ANY")]
        ANY = 0x00000000,
        /// TPM_AT_ERROR
        #[doc(alias = "TPM_AT_ERROR")]
        ERROR = 0x00000001,
        /// TPM_AT_PV1
        #[doc(alias = "TPM_AT_PV1")]
        PV1 = 0x00000002,
        /// TPM_AT_VEND
        #[doc(alias = "TPM_AT_VEND")]
        VEND = 0x80000000,
    }
}

wire_enum! {
    /// TPM_AE, attached-component error values (TPM 2.0 Part 2, Table 221 of rev 1.59 as libtpms numbers it).
    #[doc(alias = "TPM_AE")]
    pub struct TpmAe(u32) {
        /// TPM_AE_NONE
        #[doc(alias = "TPM_AE_NONE")]
        NONE = 0x00000000,
    }
}

/// TPM_HC, handle-range constants (TPM 2.0 Part 2 §7.5, Table 29), with libtpms 0.9's ranges for
/// the implementation-dependent ends (`*_LAST` of PCRs, sessions and transient objects).
#[doc(alias = "TPM_HC")]
pub mod hc {
    use super::{IMPLEMENTATION_PCR, MAX_ACTIVE_SESSIONS, MAX_LOADED_OBJECTS, TpmHandle, TpmHt};

    /// HR_HANDLE_MASK: the handle without its type octet.
    pub const HR_HANDLE_MASK: u32 = 0x00FF_FFFF;
    /// HR_RANGE_MASK: the type octet of a handle.
    pub const HR_RANGE_MASK: u32 = 0xFF00_0000;
    /// HR_SHIFT: where the handle type sits.
    pub const HR_SHIFT: u32 = 24;
    /// HR_PCR: first handle of the PCR range.
    pub const HR_PCR: u32 = (TpmHt::PCR.0 as u32) << HR_SHIFT;
    /// HR_HMAC_SESSION: first handle of the HMAC-session range.
    pub const HR_HMAC_SESSION: u32 = (TpmHt::HMAC_SESSION.0 as u32) << HR_SHIFT;
    /// HR_POLICY_SESSION: first handle of the policy-session range.
    pub const HR_POLICY_SESSION: u32 = (TpmHt::POLICY_SESSION.0 as u32) << HR_SHIFT;
    /// HR_TRANSIENT: first handle of the transient-object range.
    pub const HR_TRANSIENT: u32 = (TpmHt::TRANSIENT.0 as u32) << HR_SHIFT;
    /// HR_PERSISTENT: first handle of the persistent-object range.
    pub const HR_PERSISTENT: u32 = (TpmHt::PERSISTENT.0 as u32) << HR_SHIFT;
    /// HR_NV_INDEX: first handle of the NV Index range.
    pub const HR_NV_INDEX: u32 = (TpmHt::NV_INDEX.0 as u32) << HR_SHIFT;
    /// HR_PERMANENT: first handle of the permanent range.
    pub const HR_PERMANENT: u32 = (TpmHt::PERMANENT.0 as u32) << HR_SHIFT;
    /// HR_AC: first handle of the attached-component range.
    pub const HR_AC: u32 = (TpmHt::AC.0 as u32) << HR_SHIFT;
    /// HR_NV_AC: first NV Index reserved for attached components.
    pub const HR_NV_AC: u32 = HR_NV_INDEX + 0x00D0_0000;
    /// PCR_FIRST: the first PCR.
    pub const PCR_FIRST: u32 = HR_PCR;
    /// PCR_LAST: the last implemented PCR (IMPLEMENTATION_PCR - 1; libtpms 0.9: 23).
    pub const PCR_LAST: u32 = PCR_FIRST + IMPLEMENTATION_PCR as u32 - 1;
    /// HMAC_SESSION_FIRST.
    pub const HMAC_SESSION_FIRST: u32 = HR_HMAC_SESSION;
    /// HMAC_SESSION_LAST: HMAC_SESSION_FIRST + MAX_ACTIVE_SESSIONS - 1 (libtpms 0.9).
    pub const HMAC_SESSION_LAST: u32 = HMAC_SESSION_FIRST + MAX_ACTIVE_SESSIONS as u32 - 1;
    /// LOADED_SESSION_FIRST: used in TPM2_GetCapability.
    pub const LOADED_SESSION_FIRST: u32 = HMAC_SESSION_FIRST;
    /// LOADED_SESSION_LAST: used in TPM2_GetCapability.
    pub const LOADED_SESSION_LAST: u32 = HMAC_SESSION_LAST;
    /// POLICY_SESSION_FIRST.
    pub const POLICY_SESSION_FIRST: u32 = HR_POLICY_SESSION;
    /// POLICY_SESSION_LAST: POLICY_SESSION_FIRST + MAX_ACTIVE_SESSIONS - 1 (libtpms 0.9).
    pub const POLICY_SESSION_LAST: u32 = POLICY_SESSION_FIRST + MAX_ACTIVE_SESSIONS as u32 - 1;
    /// ACTIVE_SESSION_FIRST: used in TPM2_GetCapability.
    pub const ACTIVE_SESSION_FIRST: u32 = POLICY_SESSION_FIRST;
    /// ACTIVE_SESSION_LAST: used in TPM2_GetCapability.
    pub const ACTIVE_SESSION_LAST: u32 = POLICY_SESSION_LAST;
    /// TRANSIENT_FIRST.
    pub const TRANSIENT_FIRST: u32 = HR_TRANSIENT;
    /// TRANSIENT_LAST: TRANSIENT_FIRST + MAX_LOADED_OBJECTS - 1 (libtpms 0.9: 0x80000002).
    pub const TRANSIENT_LAST: u32 = TRANSIENT_FIRST + MAX_LOADED_OBJECTS as u32 - 1;
    /// PERSISTENT_FIRST: the first persistent object (owner range 0x81000000-0x817FFFFF).
    pub const PERSISTENT_FIRST: u32 = HR_PERSISTENT;
    /// PERSISTENT_LAST.
    pub const PERSISTENT_LAST: u32 = PERSISTENT_FIRST + 0x00FF_FFFF;
    /// PLATFORM_PERSISTENT: the first platform persistent object (0x81800000-0x81FFFFFF).
    pub const PLATFORM_PERSISTENT: u32 = PERSISTENT_FIRST + 0x0080_0000;
    /// NV_INDEX_FIRST.
    pub const NV_INDEX_FIRST: u32 = HR_NV_INDEX;
    /// NV_INDEX_LAST.
    pub const NV_INDEX_LAST: u32 = NV_INDEX_FIRST + 0x00FF_FFFF;
    /// PERMANENT_FIRST: TPM_RH_FIRST.
    pub const PERMANENT_FIRST: u32 = TpmHandle::FIRST.0;
    /// PERMANENT_LAST: TPM_RH_LAST.
    pub const PERMANENT_LAST: u32 = TpmHandle::LAST.0;
    /// NV_AC_FIRST: first NV Index for attached components.
    pub const NV_AC_FIRST: u32 = HR_NV_AC;
    /// NV_AC_LAST: last NV Index for attached components.
    pub const NV_AC_LAST: u32 = HR_NV_AC + 0x0000_FFFF;
    /// AC_FIRST: first attached-component handle.
    pub const AC_FIRST: u32 = HR_AC;
    /// AC_LAST: last attached-component handle.
    pub const AC_LAST: u32 = HR_AC + 0x0000_FFFF;
}

// ---------------------------------------------------------------------------------------------
// Implementation constants: what the TPM we emulate is built with. Part 2 sizes its arrays and
// bounds its TPM2B/TPML types by these (TPM 2.0 Part 2 §10 and §4, "Implementation"); the wire
// maximum of a buffer decides between TPM_RC_SIZE and acceptance, so they follow libtpms 0.9
// unless a comment says why not.
// ---------------------------------------------------------------------------------------------

/// IMPLEMENTATION_PCR: number of PCRs (libtpms 0.9 `TpmProfile.h` 24; swtpm reports
/// TPM_PT_PCR_COUNT 24) (TPM 2.0 Part 2 §10.6.1).
pub const IMPLEMENTATION_PCR: usize = 24;
/// PLATFORM_PCR: PCRs the PC Client platform requires (libtpms 0.9 `TpmProfile.h` 24).
pub const PLATFORM_PCR: usize = 24;
/// DRTM_PCR: the PCR reset by the DRTM sequence (libtpms 0.9 `TpmProfile.h` 17).
pub const DRTM_PCR: usize = 17;
/// HCRTM_PCR: the PCR extended by the H-CRTM sequence (libtpms 0.9 `TpmProfile.h` 0).
pub const HCRTM_PCR: usize = 0;
/// NUM_LOCALITIES: localities 0-4 (libtpms 0.9 `TpmProfile.h` 5).
pub const NUM_LOCALITIES: usize = 5;
/// NUM_STATIC_PCR: PCRs 0-15 are not resettable (libtpms 0.9 `TpmProfile.h` 16).
pub const NUM_STATIC_PCR: usize = 16;
/// PCR_SELECT_MIN: (PLATFORM_PCR + 7) / 8 octets (libtpms 0.9 `GpMacros.h`; swtpm reports
/// TPM_PT_PCR_SELECT_MIN 3) (TPM 2.0 Part 2 §10.6.1).
pub const PCR_SELECT_MIN: usize = PLATFORM_PCR.div_ceil(8);
/// PCR_SELECT_MAX: (IMPLEMENTATION_PCR + 7) / 8 octets, the bound of TPMS_PCR_SELECT.sizeofSelect
/// (libtpms 0.9 `GpMacros.h`) (TPM 2.0 Part 2 §10.6.1).
pub const PCR_SELECT_MAX: usize = IMPLEMENTATION_PCR.div_ceil(8);

/// SHA1_DIGEST_SIZE (TCG Algorithm Registry; libtpms `TpmAlgorithmDefines.h`).
pub const SHA1_DIGEST_SIZE: usize = 20;
/// SHA256_DIGEST_SIZE (TCG Algorithm Registry).
pub const SHA256_DIGEST_SIZE: usize = 32;
/// SHA384_DIGEST_SIZE (TCG Algorithm Registry).
pub const SHA384_DIGEST_SIZE: usize = 48;
/// SHA512_DIGEST_SIZE (TCG Algorithm Registry).
pub const SHA512_DIGEST_SIZE: usize = 64;
/// SM3_256_DIGEST_SIZE (TCG Algorithm Registry; SM3 is disabled in libtpms 0.9).
pub const SM3_256_DIGEST_SIZE: usize = 32;
/// SHA3_256_DIGEST_SIZE (TCG Algorithm Registry; SHA-3 is disabled in libtpms 0.9).
pub const SHA3_256_DIGEST_SIZE: usize = 32;
/// SHA3_384_DIGEST_SIZE (TCG Algorithm Registry).
pub const SHA3_384_DIGEST_SIZE: usize = 48;
/// SHA3_512_DIGEST_SIZE (TCG Algorithm Registry).
pub const SHA3_512_DIGEST_SIZE: usize = 64;
/// HASH_COUNT: implemented hashes, SHA-1, SHA-256, SHA-384 and SHA-512 (libtpms 0.9
/// `TpmProfile.h` ALG_* and `TpmAlgorithmDefines.h`; swtpm allocates these four PCR banks). The
/// bound of TPML_DIGEST_VALUES and TPML_PCR_SELECTION (TPM 2.0 Part 2 §10.9.7, §10.9.8).
pub const HASH_COUNT: usize = 4;
/// MAX_DIGEST_SIZE: the largest implemented digest, SHA-512 (libtpms 0.9; swtpm reports
/// TPM_PT_MAX_DIGEST 64); the size of TPMU_HA and the bound of TPM2B_DIGEST (Part 2 §10.3.2).
pub const MAX_DIGEST_SIZE: usize = 64;
/// MAX_HASH_BLOCK_SIZE: the largest implemented hash block, SHA-384/512 (libtpms 0.9
/// `TpmAlgorithmDefines.h`).
pub const MAX_HASH_BLOCK_SIZE: usize = 128;

/// MAX_DIGEST_BUFFER: bound of TPM2B_MAX_BUFFER (libtpms 0.9 `TpmProfile.h` 1024; swtpm reports
/// TPM_PT_INPUT_BUFFER 1024) (TPM 2.0 Part 2 §10.4.8).
pub const MAX_DIGEST_BUFFER: usize = 1024;
/// MAX_NV_BUFFER_SIZE: bound of TPM2B_MAX_NV_BUFFER (libtpms 0.9 `TpmProfile.h` 1024; swtpm
/// reports TPM_PT_NV_BUFFER_MAX 1024; the tss2 header's 2048 is its own client-side maximum)
/// (TPM 2.0 Part 2 §10.4.9).
pub const MAX_NV_BUFFER_SIZE: usize = 1024;
/// MAX_NV_INDEX_SIZE: the largest NV Index data area (libtpms 0.9 `TpmProfile.h` 2048; swtpm
/// reports TPM_PT_NV_INDEX_MAX 2048).
pub const MAX_NV_INDEX_SIZE: usize = 2048;
/// MAX_CAP_BUFFER: the most bytes of TPMS_CAPABILITY_DATA (libtpms 0.9 `TpmProfile.h` 1024)
/// (TPM 2.0 Part 2 §10.10).
pub const MAX_CAP_BUFFER: usize = 1024;
/// MAX_CONTEXT_SIZE: bound of TPM2B_CONTEXT_DATA (libtpms 0.9 `TpmProfile.h` 2680, changed from
/// the reference's value to fit its object layout) (TPM 2.0 Part 2 §14.4).
pub const MAX_CONTEXT_SIZE: usize = 2680;
/// MAX_COMMAND_SIZE: the largest command (libtpms 0.9 `TPM2_GetBufferSize()` default 4096; swtpm
/// reports TPM_PT_MAX_COMMAND_SIZE 4096).
pub const MAX_COMMAND_SIZE: usize = 4096;
/// MAX_RESPONSE_SIZE: the largest response (libtpms 0.9 `TPM2_GetBufferSize()` default 4096;
/// swtpm reports TPM_PT_MAX_RESPONSE_SIZE 4096).
pub const MAX_RESPONSE_SIZE: usize = 4096;

/// MAX_RSA_KEY_BITS: 3072, as libtpms 0.9 is built (RSA_4096 NO). The bound is visible to
/// guests: every RSA-sized TPM2B (TPM2B_PUBLIC_KEY_RSA, TPM2B_ENCRYPTED_SECRET, and through
/// them TPM2B_TEMPLATE, TPM2B_PRIVATE) answers TPM_RC_SIZE above it before the bytes present
/// are counted, and the differential runner found a 512-byte bound answering
/// TPM_RC_INSUFFICIENT where libtpms says TPM_RC_SIZE. RSA-4096 support will need these
/// bounds per profile.
pub const MAX_RSA_KEY_BITS: usize = 3072;
/// MAX_RSA_KEY_BYTES: bound of TPM2B_PUBLIC_KEY_RSA and TPM2B_PRIVATE_KEY_RSA (3072 bits; see
/// [`MAX_RSA_KEY_BITS`]) (TPM 2.0 Part 2 §11.2.4.5).
pub const MAX_RSA_KEY_BYTES: usize = MAX_RSA_KEY_BITS / 8;
/// libtpms 0.9's MAX_RSA_KEY_BITS: 3072 (`TpmProfile.h` RSA_3072 YES, RSA_4096 NO;
/// `TpmAlgorithmDefines.h` RSA_MAX_KEY_SIZE_BITS).
pub const LIBTPMS_MAX_RSA_KEY_BITS: usize = 3072;
/// libtpms 0.9's MAX_RSA_KEY_BYTES: 384.
pub const LIBTPMS_MAX_RSA_KEY_BYTES: usize = LIBTPMS_MAX_RSA_KEY_BITS / 8;
/// MAX_ECC_KEY_BITS: the largest curve libtpms 0.9 enables, BN P638 (`TpmProfile.h` ECC_BN_P638
/// YES; `TpmAlgorithmDefines.h` MAX_ECC_KEY_BITS; swtpm lists TPM_ECC_BN_P638).
pub const MAX_ECC_KEY_BITS: usize = 638;
/// MAX_ECC_KEY_BYTES: bound of TPM2B_ECC_PARAMETER, 80 octets for BN P638 (libtpms parity:
/// 48 would turn a P-521 or BN P638 parameter libtpms accepts into TPM_RC_SIZE)
/// (TPM 2.0 Part 2 §11.2.5.1).
pub const MAX_ECC_KEY_BYTES: usize = MAX_ECC_KEY_BITS.div_ceil(8);
/// ECC_CURVE_COUNT: curves libtpms 0.9 implements (P-192, P-224, P-256, P-384, P-521, BN P256,
/// BN P638, SM2 P256; swtpm reports TPM_PT_LOADED_CURVES 8).
pub const ECC_CURVE_COUNT: usize = 8;
/// MAX_AES_KEY_BITS: AES-128 and AES-256 (libtpms 0.9 `TpmProfile.h`, AES_192 NO).
pub const MAX_AES_KEY_BITS: usize = 256;
/// MAX_AES_KEY_BYTES.
pub const MAX_AES_KEY_BYTES: usize = MAX_AES_KEY_BITS / 8;
/// MAX_SYM_KEY_BITS: the largest symmetric key, AES-256 / Camellia-256 (libtpms 0.9
/// `TpmAlgorithmDefines.h`).
pub const MAX_SYM_KEY_BITS: usize = 256;
/// MAX_SYM_KEY_BYTES: bound of TPM2B_SYM_KEY (TPM 2.0 Part 2 §11.1.8).
pub const MAX_SYM_KEY_BYTES: usize = MAX_SYM_KEY_BITS / 8;
/// MAX_SYM_BLOCK_SIZE: the largest block, AES/Camellia 16 (libtpms 0.9
/// `TpmAlgorithmDefines.h`); bound of TPM2B_IV (TPM 2.0 Part 2 §10.4.11).
pub const MAX_SYM_BLOCK_SIZE: usize = 16;
/// MAX_SYM_DATA: bound of TPM2B_SENSITIVE_DATA (libtpms 0.9 `TpmProfile.h` 128)
/// (TPM 2.0 Part 2 §11.1.14).
pub const MAX_SYM_DATA: usize = 128;
/// MAX_RNG_ENTROPY_SIZE (libtpms 0.9 `TpmProfile.h` 64).
pub const MAX_RNG_ENTROPY_SIZE: usize = 64;
/// PRIMARY_SEED_SIZE: octets of a hierarchy seed (libtpms 0.9 `TpmProfile.h` 64).
pub const PRIMARY_SEED_SIZE: usize = 64;
/// LABEL_MAX_BUFFER: MIN(32, MAX(MAX_ECC_KEY_BYTES, MAX_DIGEST_SIZE)) = 32, bound of
/// TPM2B_LABEL (libtpms 0.9 `GpMacros.h`) (TPM 2.0 Part 2 §10.4.12).
pub const LABEL_MAX_BUFFER: usize = 32;
/// CRT_FORMAT_RSA: RSA private keys are kept as CRT values (libtpms 0.9 `TpmProfile.h` YES).
pub const CRT_FORMAT_RSA: bool = true;
/// PRIVATE_VENDOR_SPECIFIC_BYTES: (MAX_RSA_KEY_BYTES / 2) * (3 + 2 * CRT_FORMAT_RSA), bound of
/// TPM2B_PRIVATE_VENDOR_SPECIFIC, with our 4096-bit MAX_RSA_KEY_BYTES (1280); libtpms 0.9 has
/// [`LIBTPMS_PRIVATE_VENDOR_SPECIFIC_BYTES`] (TPM 2.0 Part 2 §11.2.4.6).
pub const PRIVATE_VENDOR_SPECIFIC_BYTES: usize = (MAX_RSA_KEY_BYTES / 2) * (3 + 2);
/// libtpms 0.9's PRIVATE_VENDOR_SPECIFIC_BYTES with its 3072-bit maximum: 960 (`TpmProfile.h`).
pub const LIBTPMS_PRIVATE_VENDOR_SPECIFIC_BYTES: usize = (LIBTPMS_MAX_RSA_KEY_BYTES / 2) * (3 + 2);
/// SIZE_OF_X509_SERIAL_NUMBER: octets of a TPM2_CertifyX509 serial (libtpms 0.9 `TpmProfile.h`).
pub const SIZE_OF_X509_SERIAL_NUMBER: usize = 20;

/// MAX_HANDLE_NUM: the most handles in a command's handle area (libtpms 0.9 `TpmProfile.h` 3).
pub const MAX_HANDLE_NUM: usize = 3;
/// MAX_SESSION_NUM: the most sessions in one command (libtpms 0.9 `TpmProfile.h` 3).
#[doc(alias = "MAX_SESSION_NUM")]
pub const MAX_SESSION_NUMBER: usize = 3;
/// MAX_LOADED_OBJECTS: transient object slots (libtpms 0.9 `TpmProfile.h` 3; swtpm reports
/// TPM_PT_HR_TRANSIENT_MIN 3).
pub const MAX_LOADED_OBJECTS: usize = 3;
/// MAX_LOADED_SESSIONS: loaded session slots (libtpms 0.9 `TpmProfile.h` 3; swtpm reports
/// TPM_PT_HR_LOADED_MIN 3).
pub const MAX_LOADED_SESSIONS: usize = 3;
/// MAX_ACTIVE_SESSIONS: loaded plus saved sessions (libtpms 0.9 `TpmProfile.h` 64; swtpm reports
/// TPM_PT_ACTIVE_SESSIONS_MAX 64).
pub const MAX_ACTIVE_SESSIONS: usize = 64;
/// MIN_EVICT_OBJECTS: persistent objects guaranteed (libtpms 0.9 `TpmProfile.h` 7; swtpm
/// reports TPM_PT_HR_PERSISTENT_MIN 7).
pub const MIN_EVICT_OBJECTS: usize = 7;
/// MIN_COUNTER_INDICES (libtpms 0.9 `TpmProfile.h` 8).
pub const MIN_COUNTER_INDICES: usize = 8;
/// NUM_POLICY_PCR_GROUP (libtpms 0.9 `TpmProfile.h` 1).
pub const NUM_POLICY_PCR_GROUP: usize = 1;
/// NUM_POLICY_PCR: PCRs with a settable authPolicy (libtpms 0.9 `TpmProfile.h` 1).
pub const NUM_POLICY_PCR: usize = 1;
/// ORDERLY_BITS: bits of the clock saved on an orderly shutdown (libtpms 0.9 `TpmProfile.h` 8;
/// swtpm reports TPM_PT_ORDERLY_COUNT 255).
pub const ORDERLY_BITS: u32 = 8;
/// NV_CLOCK_UPDATE_INTERVAL: log2 of the clock update interval in ms (libtpms 0.9 `TpmProfile.h`
/// 12; swtpm reports TPM_PT_CLOCK_UPDATE 4096).
pub const NV_CLOCK_UPDATE_INTERVAL: u32 = 12;
/// MAX_ALG_LIST_SIZE: bound of TPML_ALG (libtpms 0.9 `TpmProfile.h` 64) (Part 2 §10.9.3).
pub const MAX_ALG_LIST_SIZE: usize = 64;
/// MAX_VENDOR_BUFFER_SIZE (libtpms 0.9 `TpmProfile.h` 1024).
pub const MAX_VENDOR_BUFFER_SIZE: usize = 1024;
/// RAM_INDEX_SPACE: octets for orderly NV Indices kept in RAM (libtpms 0.9 `TpmProfile.h` 512).
pub const RAM_INDEX_SPACE: usize = 512;
/// RSA_DEFAULT_PUBLIC_EXPONENT: the exponent of an RSA key whose template says 0 (libtpms 0.9
/// `TpmProfile.h`; TPM 2.0 Part 2 §12.2.3.5).
pub const RSA_DEFAULT_PUBLIC_EXPONENT: u32 = 0x0001_0001;

/// MAX_CAP_DATA: MAX_CAP_BUFFER less the TPM_CAP and count of TPMS_CAPABILITY_DATA (libtpms 0.9
/// `Capabilities.h`); the TPML_* counts below divide it by the C size of their element, as
/// libtpms does.
pub const MAX_CAP_DATA: usize = MAX_CAP_BUFFER - 4 - 4;
/// MAX_CAP_ALGS: bound of TPML_ALG_PROPERTY (1016 / 8 = 127; libtpms 0.9 `Capabilities.h`).
pub const MAX_CAP_ALGS: usize = MAX_CAP_DATA / 8;
/// MAX_CAP_HANDLES: bound of TPML_HANDLE (1016 / 4 = 254; libtpms 0.9 `Capabilities.h`).
pub const MAX_CAP_HANDLES: usize = MAX_CAP_DATA / 4;
/// MAX_CAP_CC: bound of TPML_CC and TPML_CCA (1016 / 4 = 254; libtpms 0.9 `Capabilities.h`).
pub const MAX_CAP_CC: usize = MAX_CAP_DATA / 4;
/// MAX_TPM_PROPERTIES: bound of TPML_TAGGED_TPM_PROPERTY (1016 / 8 = 127; libtpms 0.9).
pub const MAX_TPM_PROPERTIES: usize = MAX_CAP_DATA / 8;
/// MAX_PCR_PROPERTIES: bound of TPML_TAGGED_PCR_PROPERTY (TPMS_TAGGED_PCR_SELECT is 4 + 1 +
/// PCR_SELECT_MAX = 8 bytes in C: 127; libtpms 0.9).
pub const MAX_PCR_PROPERTIES: usize = MAX_CAP_DATA / (4 + 1 + PCR_SELECT_MAX);
/// MAX_ECC_CURVES: bound of TPML_ECC_CURVE (1016 / 2 = 508; libtpms 0.9).
pub const MAX_ECC_CURVES: usize = MAX_CAP_DATA / 2;
/// MAX_TAGGED_POLICIES: bound of TPML_TAGGED_POLICY (TPMS_TAGGED_POLICY is 4 + 2 + 64 = 70,
/// padded to 72 bytes in C: 14; libtpms 0.9).
pub const MAX_TAGGED_POLICIES: usize = MAX_CAP_DATA / 72;
/// MAX_ACT_DATA: bound of TPML_ACT_DATA (TPMS_ACT_DATA is 12 bytes: 84; libtpms 0.9).
pub const MAX_ACT_DATA: usize = MAX_CAP_DATA / 12;
/// MAX_AC_CAPABILITIES: bound of TPML_AC_CAPABILITIES (TPMS_AC_OUTPUT is 8 bytes: 127; libtpms
/// 0.9).
pub const MAX_AC_CAPABILITIES: usize = MAX_CAP_DATA / 8;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;
    use tpm_wire::{Profile, Reader, WireError, from_bytes, to_vec};

    /// unmarshal(marshal(x)) == x and the wire form is the big-endian integer.
    macro_rules! roundtrip {
        ($($name:ident: $ty:ident($repr:ident);)*) => {$(
            proptest! {
                #[test]
                fn $name(v in any::<$repr>()) {
                    let x = $ty(v);
                    let bytes = to_vec(&x);
                    prop_assert_eq!(&bytes[..], &v.to_be_bytes()[..]);
                    prop_assert_eq!(from_bytes::<$ty>(&bytes, &Profile::ALL), Ok(x));
                }
            }
        )*};
    }

    roundtrip! {
        rt_alg: TpmAlgId(u16);
        rt_curve: TpmEccCurve(u16);
        rt_cc: TpmCc(u32);
        rt_generated: TpmGenerated(u32);
        rt_clock: TpmClockAdjust(i8);
        rt_eo: TpmEo(u16);
        rt_st: TpmSt(u16);
        rt_su: TpmSu(u16);
        rt_se: TpmSe(u8);
        rt_cap: TpmCap(u32);
        rt_pt: TpmPt(u32);
        rt_pt_pcr: TpmPtPcr(u32);
        rt_ps: TpmPs(u32);
        rt_ht: TpmHt(u8);
        rt_handle: TpmHandle(u32);
        rt_nt: TpmNt(u32);
        rt_at: TpmAt(u32);
        rt_ae: TpmAe(u32);
    }

    fn distinct<T: Copy + Eq + std::hash::Hash + std::fmt::Debug>(all: &[T]) {
        let mut seen = HashSet::new();
        for v in all {
            assert!(seen.insert(*v), "{v:?} listed twice in ALL");
        }
    }

    #[test]
    fn all_lists_are_distinct() {
        distinct(TpmAlgId::ALL);
        distinct(TpmEccCurve::ALL);
        distinct(TpmCc::ALL);
        distinct(TpmClockAdjust::ALL);
        distinct(TpmEo::ALL);
        distinct(TpmSt::ALL);
        distinct(TpmCap::ALL);
        distinct(TpmPt::ALL);
        distinct(TpmPtPcr::ALL);
        distinct(TpmPs::ALL);
        distinct(TpmHt::ALL);
        distinct(TpmHandle::ALL);
        distinct(TpmNt::ALL);
    }

    #[test]
    fn counts_match_rev_159() {
        // libtpms 0.9 TpmTypes.h: 120 distinct command codes (119 library + Vendor_TCG_Test).
        assert_eq!(TpmCc::ALL.len(), 120);
        assert_eq!(TpmAlgId::ALL.len(), 40);
        assert_eq!(TpmEccCurve::ALL.len(), 9);
        assert_eq!(TpmPt::ALL.len(), 68);
        assert_eq!(TpmHandle::ALL.len(), 16 + 16);
    }

    #[test]
    fn known_values_and_names() {
        assert_eq!(TpmCc::NV_UNDEFINE_SPACE_SPECIAL.0, 0x11F);
        assert_eq!(TpmCc::STARTUP.0, 0x144);
        assert_eq!(TpmCc::POLICY_AC_SEND_SELECT.0, 0x196);
        assert_eq!(TpmCc::ACT_SET_TIMEOUT.0, 0x198);
        assert_eq!(TpmCc::VENDOR_TCG_TEST.0, 0x2000_0000);
        assert!(TpmCc::VENDOR_TCG_TEST.is_vendor());
        assert!(!TpmCc::STARTUP.is_vendor());
        assert_eq!(TpmCc::MAC, TpmCc::HMAC);
        assert_eq!(TpmCc::HMAC.name(), Some("HMAC"));
        assert_eq!(TpmAlgId::SHA, TpmAlgId::SHA1);
        assert_eq!(TpmAlgId::SHA1.name(), Some("SHA1"));
        assert_eq!(TpmAlgId::SHA256.0, 0x000B);
        assert_eq!(TpmEccCurve::NIST_P384.0, 4);
        assert_eq!(TpmSt::NO_SESSIONS.0, 0x8001);
        assert_eq!(TpmSt::RSP_COMMAND.0, 0x00C4);
        assert_eq!(TpmSe::TRIAL.0, 3);
        assert_eq!(TpmCap::ACT.0, 0xA);
        assert_eq!(TpmPt::MAX_CAP_BUFFER.0, 0x12E);
        assert_eq!(TpmPt::AUDIT_COUNTER_1.0, 0x214);
        assert_eq!(TpmPt::FIXED, TpmPt::FAMILY_INDICATOR);
        assert_eq!(TpmPt::VAR, TpmPt::PERMANENT);
        assert_eq!(TpmClockAdjust::COARSE_SLOWER.0, -3);
        assert_eq!(to_vec(&TpmClockAdjust::FINE_SLOWER), vec![0xFF]);
        assert_eq!(TpmRh::OWNER, TpmHandle(0x4000_0001));
        assert_eq!(TpmRh::PW.0, 0x4000_0009);
        assert_eq!(TpmRh::ACT_A.0, 0x4000_011A);
        assert_eq!(TpmHandle::LAST, TpmHandle::ACT_F);
        assert_eq!(TpmGenerated::VALUE.0, 0xFF54_4347);
        assert_eq!(format!("{:?}", TpmCc(0x1FF)), "TpmCc(0x000001ff)");
        assert_eq!(format!("{:?}", TpmCc::CREATE_PRIMARY), "CREATE_PRIMARY");
    }

    #[test]
    fn handle_ranges() {
        assert_eq!(hc::HR_PCR, 0);
        assert_eq!(hc::HR_TRANSIENT, 0x8000_0000);
        assert_eq!(hc::HR_PERSISTENT, 0x8100_0000);
        assert_eq!(hc::HR_NV_INDEX, 0x0100_0000);
        assert_eq!(hc::HR_PERMANENT, 0x4000_0000);
        assert_eq!(hc::PCR_LAST, 23);
        assert_eq!(hc::TRANSIENT_LAST, 0x8000_0002);
        assert_eq!(hc::HMAC_SESSION_LAST, 0x0200_003F);
        assert_eq!(hc::POLICY_SESSION_LAST, 0x0300_003F);
        assert_eq!(hc::PLATFORM_PERSISTENT, 0x8180_0000);
        assert_eq!(hc::PERSISTENT_LAST, 0x81FF_FFFF);
        assert_eq!(hc::NV_INDEX_LAST, 0x01FF_FFFF);
        assert_eq!(hc::PERMANENT_LAST, 0x4000_011F);
        assert_eq!(hc::NV_AC_FIRST, 0x01D0_0000);
        assert_eq!(hc::AC_LAST, 0x9000_FFFF);
    }

    #[test]
    fn implementation_sizes() {
        assert_eq!(PCR_SELECT_MAX, 3);
        assert_eq!(PCR_SELECT_MIN, 3);
        assert_eq!(MAX_RSA_KEY_BYTES, 384);
        assert_eq!(LIBTPMS_MAX_RSA_KEY_BYTES, 384);
        assert_eq!(MAX_ECC_KEY_BYTES, 80);
        assert_eq!(MAX_SYM_KEY_BYTES, 32);
        assert_eq!(PRIVATE_VENDOR_SPECIFIC_BYTES, 960);
        assert_eq!(LIBTPMS_PRIVATE_VENDOR_SPECIFIC_BYTES, 960);
        assert_eq!(MAX_CAP_ALGS, 127);
        assert_eq!(MAX_CAP_HANDLES, 254);
        assert_eq!(MAX_CAP_CC, 254);
        assert_eq!(MAX_TPM_PROPERTIES, 127);
        assert_eq!(MAX_PCR_PROPERTIES, 127);
        assert_eq!(MAX_ECC_CURVES, 508);
        assert_eq!(MAX_TAGGED_POLICIES, 14);
        assert_eq!(MAX_ACT_DATA, 84);
        assert_eq!(MAX_AC_CAPABILITIES, 127);
    }

    #[test]
    fn truncated_is_insufficient() {
        let p = Profile::ALL;
        assert_eq!(
            Reader::new(&[0x01]).read::<TpmAlgId>(&p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            Reader::new(&[0, 0, 1]).read::<TpmCc>(&p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            Reader::new(&[]).read::<TpmSe>(&p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            Reader::new(&[]).read::<TpmClockAdjust>(&p),
            Err(WireError::Insufficient)
        );
        assert_eq!(
            from_bytes::<TpmSu>(&[0, 1, 0], &p),
            Err(WireError::Trailing)
        );
    }
}
