//! Object commands (TPM 2.0 Part 3 §12) and TPM2_CreatePrimary (§24.1), TPM2_EvictControl
//! (§28.5); libtpms `ObjectCommands.c`, `HierarchyCommands.c`, `ContextCommands.c` for the
//! order of checks and the response codes.

use tpm_crypto::hash::HashAlg;
use tpm_crypto::hmac::HmacState;
use tpm_crypto::primary::SeedCompat;
use tpm_wire::{Marshal, Writer};
use tpm2_types::{
    Tpm2bAuth, Tpm2bData, Tpm2bDigest, Tpm2bName, Tpm2bPrivate, Tpm2bPublic, Tpm2bSensitive,
    Tpm2bSensitiveCreate, Tpm2bSensitiveData, Tpm2bTemplate, TpmAlgId, TpmHandle, TpmHt, TpmRc,
    TpmSt, TpmaObject, TpmiDhPersistent, TpmiRhHierarchy, TpmlPcrSelection, TpmsCreationData,
    TpmsSensitiveCreate, TpmtPublic, TpmtTkCreation,
};
use zeroize::Zeroizing;

use crate::cmd::hash::CONTEXT_INTEGRITY_HASH;
use crate::exec::Ctx;
use crate::object::{self, KeyObject, Source, flag};
use crate::tpm::{ObjKind, Object, Tpm2};

/// Owner persistent handles: 0x81000000-0x817FFFFF (Part 2 §7.5).
const OWNER_PERSISTENT: core::ops::RangeInclusive<u32> = 0x8100_0000..=0x817F_FFFF;
/// Platform persistent handles: 0x81800000-0x81FFFFFF.
const PLATFORM_PERSISTENT: core::ops::RangeInclusive<u32> = 0x8180_0000..=0x81FF_FFFF;
/// Persistent objects the NV budget holds (libtpms reports TPM_PT_HR_PERSISTENT_AVAIL 65 on
/// a fresh state; each evict object takes one of those places).
pub(crate) const MAX_EVICT_OBJECTS: usize = 65;

/// Entries of the in-memory primary-key cache.
const PRIMARY_CACHE_SIZE: usize = 8;
/// RSA primaries kept in the permanent state (the EK and SRK of both hierarchies, and two
/// more).
const PERSISTENT_PRIMARY_CACHE_SIZE: usize = 4;

/// A derived primary: the public area and sensitive area without the caller's authValue,
/// keyed by a digest of everything the derivation depends on.
pub(crate) struct CachedPrimary {
    key: [u8; 32],
    public: TpmtPublic<true>,
    sensitive: tpm2_types::TpmtSensitive,
}

impl core::fmt::Debug for CachedPrimary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CachedPrimary(<redacted>)")
    }
}

impl Tpm2 {
    /// The key object at transient handle `h`.
    pub(crate) fn key(&self, h: TpmHandle) -> Option<&KeyObject> {
        self.object(h).and_then(Object::key)
    }

    /// Is hierarchy `h` enabled (libtpms `HierarchyIsEnabled`)? TPM_RH_NULL always is.
    pub(crate) fn hierarchy_enabled(&self, h: TpmHandle) -> bool {
        match h {
            TpmHandle::OWNER => self.clear.sh_enable,
            TpmHandle::ENDORSEMENT => self.clear.eh_enable,
            TpmHandle::PLATFORM => self.rt.ph_enable,
            _ => true,
        }
    }

    /// The hierarchy of entity `h` (libtpms `EntityGetHierarchy` for the handles objects
    /// meet): a hierarchy handle itself, an object's hierarchy, TPM_RH_NULL otherwise.
    pub(crate) fn entity_hierarchy(&self, h: TpmHandle) -> TpmHandle {
        match h.handle_type() {
            TpmHt::PERMANENT => match h {
                TpmHandle::OWNER | TpmHandle::ENDORSEMENT | TpmHandle::PLATFORM => h,
                _ => TpmHandle::NULL,
            },
            TpmHt::TRANSIENT => self.key(h).map_or(TpmHandle::NULL, |k| k.hierarchy),
            _ => TpmHandle::OWNER,
        }
    }

    /// The primary seed of hierarchy `h` and its compatibility level.
    fn primary_seed(&self, h: TpmHandle) -> (&[u8], u8) {
        let s = match h {
            TpmHandle::PLATFORM => &self.perm.pps,
            TpmHandle::OWNER => &self.perm.sps,
            TpmHandle::ENDORSEMENT => &self.perm.eps,
            _ => &self.reset.null_seed,
        };
        (&s.value[..], s.compat)
    }

    /// A free transient slot exists (libtpms `FindEmptyObjectSlot` as a check).
    pub(crate) fn has_free_slot(&self) -> bool {
        self.objects.iter().any(Option::is_none)
    }

    /// 64 fresh bytes from the DRBG to seed an ordinary object's creation.
    fn fresh_source(&mut self) -> Result<Source<'static>, TpmRc> {
        let mut r = Zeroizing::new([0u8; 64]);
        self.random(&mut r[..])?;
        Ok(Source::Random(r))
    }

    /// libtpms `FillInCreationData`: TPMS_CREATION_DATA and its digest with `name_alg`.
    fn creation_data(
        &self,
        parent: TpmHandle,
        name_alg: HashAlg,
        pcrs: &TpmlPcrSelection,
        outside: &Tpm2bData,
        locality: u8,
    ) -> Result<(Vec<u8>, Vec<u8>), TpmRc> {
        let (pcr_digest, filtered) = self.pcr_digest(name_alg, pcrs);
        let pcr_select: TpmlPcrSelection =
            tpm_wire::from_bytes(&filtered, &tpm_wire::Profile::ALL).map_err(|_| TpmRc::FAILURE)?;
        let (parent_name_alg, parent_name, parent_qn) = match self.key(parent) {
            Some(k) => (
                k.public.name_alg.0,
                k.name.clone(),
                k.qualified_name.clone(),
            ),
            None => {
                let n = parent.0.to_be_bytes().to_vec();
                (TpmAlgId::NULL, n.clone(), n)
            }
        };
        let data = TpmsCreationData {
            pcr_select,
            pcr_digest: Tpm2bDigest::new(&pcr_digest).map_err(|_| TpmRc::FAILURE)?,
            locality: tpm2_types::TpmaLocality(locality_attributes(locality)),
            parent_name_alg,
            parent_name: Tpm2bName::new(&parent_name).map_err(|_| TpmRc::FAILURE)?,
            parent_qualified_name: Tpm2bName::new(&parent_qn).map_err(|_| TpmRc::FAILURE)?,
            outside_info: outside.clone(),
        };
        let mut bytes = Vec::with_capacity(128);
        data.marshal(&mut Writer::to_vec(&mut bytes));
        let digest = tpm_crypto::hash::digest(name_alg, &bytes);
        Ok((bytes, digest.as_slice().to_vec()))
    }

    /// libtpms `TicketComputeCreation`: HMAC(proof, TPM_ST_CREATION || name || creationHash)
    /// with CONTEXT_INTEGRITY_HASH_ALG.
    fn creation_ticket(&self, hierarchy: TpmHandle, name: &[u8], hash: &[u8]) -> TpmtTkCreation {
        let mut m = HmacState::new(CONTEXT_INTEGRITY_HASH, self.proof(hierarchy));
        m.update(&TpmSt::CREATION.0.to_be_bytes());
        m.update(name);
        m.update(hash);
        TpmtTkCreation {
            hierarchy: TpmiRhHierarchy(hierarchy),
            digest: Tpm2bDigest::new(m.finalize().as_slice()).unwrap_or_default(),
        }
    }

    /// Derive a primary object, from the cache when the same derivation ran before.
    fn derive_primary(
        &mut self,
        hierarchy: TpmHandle,
        template: &TpmtPublic<true>,
        create: &TpmsSensitiveCreate,
    ) -> Result<(TpmtPublic<true>, tpm2_types::TpmtSensitive), TpmRc> {
        let (seed, compat) = self.primary_seed(hierarchy);
        let compat_level = if compat == 0 {
            SeedCompat::Level0
        } else {
            SeedCompat::Level1
        };
        let eh = hierarchy == TpmHandle::ENDORSEMENT;
        // Everything the derivation depends on, hashed: seed, level, template, data, and for
        // the endorsement hierarchy the proofs. A new seed or proof misses by construction.
        let mut h = tpm_crypto::hash::Hasher::new(HashAlg::Sha256);
        h.update(b"ferrotpm primary cache\0");
        h.update(&hierarchy.0.to_be_bytes());
        h.update(seed);
        h.update(&[compat]);
        h.update(&object::marshal_public(template));
        h.update(&u16::try_from(create.data.len()).unwrap_or(0).to_be_bytes());
        h.update(create.data.expose());
        if eh {
            h.update(&self.perm.sh_proof[..]);
            h.update(&self.perm.eh_proof[..]);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(h.finalize().as_slice());
        if let Some(pos) = self
            .primary_cache
            .iter()
            .position(|c| tpm_crypto::secret::ct_eq(&c.key, &key))
        {
            let c = self.primary_cache.remove(pos);
            let out = (c.public.clone(), c.sensitive.duplicate());
            self.primary_cache.insert(0, c);
            return Ok(with_auth(out, create));
        }
        // The permanent cache of RSA primaries (kept across restarts).
        let stored = self
            .perm
            .primary_cache
            .iter()
            .find(|(k, _)| tpm_crypto::secret::ct_eq(k, &key))
            .and_then(|(_, bytes)| decode_cached(bytes));
        {
            if let Some((public, sensitive)) = stored {
                self.remember_primary(key, &public, &sensitive);
                return Ok(with_auth((public, sensitive), create));
            }
        }
        let proofs = if eh {
            Some((&self.perm.sh_proof[..], &self.perm.eh_proof[..]))
        } else {
            None
        };
        let source = Source::Primary {
            seed,
            compat: compat_level,
            endorsement_proofs: proofs,
        };
        let (public, sensitive) = object::create_object(template, create, &source)?;
        self.remember_primary(key, &public, &sensitive);
        if public.object_type.0 == TpmAlgId::RSA && hierarchy != TpmHandle::NULL {
            // Worth an NV write: an RSA derivation costs tens of milliseconds. (The null
            // seed changes at every TPM Reset: its primaries stay in memory.)
            let mut bytes = Zeroizing::new(Vec::with_capacity(1024));
            let mut w = Writer::to_vec(&mut bytes);
            w.sized_u16(|w| public.marshal(w));
            w.sized_u16(|w| sensitive.marshal(w));
            self.perm.primary_cache.insert(0, (key, bytes));
            self.perm
                .primary_cache
                .truncate(PERSISTENT_PRIMARY_CACHE_SIZE);
            self.mark_permanent_dirty();
        }
        Ok((public, sensitive))
    }

    /// Put a derived primary at the front of the in-memory cache.
    fn remember_primary(
        &mut self,
        key: [u8; 32],
        public: &TpmtPublic<true>,
        sensitive: &tpm2_types::TpmtSensitive,
    ) {
        self.primary_cache.insert(
            0,
            CachedPrimary {
                key,
                public: public.clone(),
                sensitive: sensitive.duplicate(),
            },
        );
        self.primary_cache.truncate(PRIMARY_CACHE_SIZE);
    }

    /// Forget cached primaries (a seed or proof changed; the cache would miss anyway, this
    /// frees the secrets).
    pub(crate) fn drop_primary_cache(&mut self) {
        self.primary_cache.clear();
        if !self.perm.primary_cache.is_empty() {
            self.perm.primary_cache.clear();
            self.mark_permanent_dirty();
        }
    }

    /// Flush the loaded objects of `hierarchy` (libtpms `ObjectFlushHierarchy`).
    pub(crate) fn flush_hierarchy_objects(&mut self, hierarchy: TpmHandle) {
        for slot in self.objects.iter_mut() {
            if slot
                .as_ref()
                .and_then(Object::key)
                .is_some_and(|k| k.hierarchy == hierarchy)
            {
                *slot = None;
            }
        }
    }

    /// Delete the persistent objects of `hierarchy` (the object part of libtpms
    /// `NvFlushHierarchy`).
    pub(crate) fn flush_hierarchy_evict(&mut self, hierarchy: TpmHandle) {
        let before = self.perm.evict.len();
        self.perm.evict.retain(|(_, bytes)| {
            let mut r = tpm_wire::Reader::new(bytes);
            object::decode(&mut r).is_some_and(|k| k.hierarchy != hierarchy)
        });
        if self.perm.evict.len() != before {
            self.mark_permanent_dirty();
        }
    }

    /// Load persistent object `h` into a transient slot for one command (libtpms
    /// `ObjectLoadEvict`); the copy carries [`flag::EVICT`] and goes at the end of the command.
    pub(crate) fn load_evict(
        &mut self,
        h: TpmHandle,
        cc: tpm2_types::TpmCc,
    ) -> Result<TpmHandle, TpmRc> {
        if PLATFORM_PERSISTENT.contains(&h.0) {
            if !self.rt.ph_enable {
                return Err(TpmRc::HANDLE);
            }
        } else if !self.clear.sh_enable {
            return Err(TpmRc::HANDLE);
        }
        if !self.has_free_slot() {
            return Err(TpmRc::OBJECT_MEMORY);
        }
        let bytes = self
            .perm
            .evict
            .iter()
            .find(|(eh, _)| *eh == h.0)
            .map(|(_, b)| b.clone())
            .ok_or(TpmRc::HANDLE)?;
        let mut r = tpm_wire::Reader::new(&bytes);
        let mut k = object::decode(&mut r).ok_or_else(|| self.fail("damaged persistent object"))?;
        if k.hierarchy == TpmHandle::ENDORSEMENT
            && !self.clear.eh_enable
            && cc != tpm2_types::TpmCc::EVICT_CONTROL
        {
            return Err(TpmRc::HANDLE);
        }
        k.flags |= flag::EVICT;
        let slot = self.load_object(Object::key_object(k))?;
        self.evict_slots.push((slot, h));
        Ok(slot)
    }

    /// The persistent handle a transient evict copy stands for.
    pub(crate) fn evict_handle_of(&self, slot: TpmHandle) -> Option<TpmHandle> {
        self.evict_slots
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, h)| *h)
    }

    /// Flush the per-command copies of persistent objects (libtpms `ObjectCleanupEvict`).
    pub(crate) fn cleanup_evict(&mut self) {
        let slots = core::mem::take(&mut self.evict_slots);
        for (slot, _) in slots {
            self.flush_object(slot);
        }
    }

    /// The persistent handles in use, ascending.
    pub(crate) fn persistent_handles(&self) -> impl Iterator<Item = TpmHandle> + '_ {
        self.perm.evict.iter().map(|(h, _)| TpmHandle(*h))
    }
}

/// A permanent cache entry: TPMT_PUBLIC and TPMT_SENSITIVE, each behind a u16 size.
fn decode_cached(bytes: &[u8]) -> Option<(TpmtPublic<true>, tpm2_types::TpmtSensitive)> {
    let p = tpm_wire::Profile::ALL;
    let mut r = tpm_wire::Reader::new(bytes);
    let n = usize::from(r.read_u16().ok()?);
    let public: TpmtPublic<true> = tpm_wire::from_bytes(r.take(n).ok()?, &p).ok()?;
    let n = usize::from(r.read_u16().ok()?);
    let sensitive: tpm2_types::TpmtSensitive = tpm_wire::from_bytes(r.take(n).ok()?, &p).ok()?;
    r.finish().ok()?;
    Some((public, sensitive))
}

/// The authValue of the request put into a cached or fresh derivation.
fn with_auth(
    (public, mut sensitive): (TpmtPublic<true>, tpm2_types::TpmtSensitive),
    create: &TpmsSensitiveCreate,
) -> (TpmtPublic<true>, tpm2_types::TpmtSensitive) {
    sensitive.auth_value = create.user_auth.duplicate();
    (public, sensitive)
}

/// libtpms `LocalityGetAttributes`: TPMA_LOCALITY of a locality.
fn locality_attributes(l: u8) -> u8 {
    if l < 5 { 1 << l } else { l }
}

/// The authValue of a sensitive-create area adjusted to the nameAlg (`AdjustAuthSize`);
/// TPM_RC_SIZE for parameter 1 when it is too long.
fn adjusted(
    mut create: TpmsSensitiveCreate,
    name_alg: TpmAlgId,
) -> Result<TpmsSensitiveCreate, TpmRc> {
    let a =
        object::adjust_auth(create.user_auth.expose(), name_alg).ok_or(TpmRc::SIZE.parameter(1))?;
    let a = Zeroizing::new(a);
    create.user_auth = Tpm2bAuth::new(&a).map_err(|_| TpmRc::SIZE.parameter(1))?;
    Ok(create)
}

/// The loaded-object bookkeeping of libtpms `ObjectSetLoadedAttributes`: hierarchy, primary
/// and temporary, stClear, parent kinds, qualified Name.
fn finish_loaded(
    public: TpmtPublic<true>,
    sensitive: Option<tpm2_types::TpmtSensitive>,
    name: Vec<u8>,
    parent: ParentRef<'_>,
    external: bool,
    seed_compat: u8,
) -> KeyObject {
    let a = public.object_attributes;
    let mut flags = 0u16;
    if a.contains(TpmaObject::ST_CLEAR) {
        flags |= flag::ST_CLEAR;
    }
    if sensitive.is_none() {
        flags |= flag::PUBLIC_ONLY;
    }
    if external {
        flags |= flag::EXTERNAL;
    }
    let (hierarchy, parent_qn) = match parent {
        ParentRef::Hierarchy(h) => {
            match h {
                TpmHandle::ENDORSEMENT | TpmHandle::OWNER | TpmHandle::PLATFORM => {
                    flags |= flag::PRIMARY;
                }
                _ => flags |= flag::TEMPORARY,
            }
            (h, h.0.to_be_bytes().to_vec())
        }
        ParentRef::Object(p) => {
            if p.has(flag::ST_CLEAR) {
                flags |= flag::ST_CLEAR;
            }
            if p.has(flag::TEMPORARY) || external {
                flags |= flag::TEMPORARY;
            }
            let qn = if p.public.name_alg.0 == TpmAlgId::NULL {
                Vec::new()
            } else {
                p.qualified_name.clone()
            };
            (p.hierarchy, qn)
        }
    };
    let qualified_name = if external {
        name.clone()
    } else {
        if a.contains(TpmaObject::RESTRICTED)
            && sensitive.is_some()
            && a.contains(TpmaObject::DECRYPT)
            && public.name_alg.0 != TpmAlgId::NULL
        {
            flags |= if public.object_type.0 == TpmAlgId::KEYEDHASH {
                flag::DERIVATION
            } else {
                flag::PARENT
            };
        }
        object::qualified_name(&parent_qn, public.name_alg.0, &name)
    };
    KeyObject {
        public,
        sensitive,
        name,
        qualified_name,
        hierarchy,
        flags,
        seed_compat,
    }
}

/// A new object's parent: a hierarchy (primaries, external objects) or a loaded object.
#[derive(Clone, Copy)]
enum ParentRef<'a> {
    Hierarchy(TpmHandle),
    Object(&'a KeyObject),
}

/// TPM 2.0 Part 3 §24.1 TPM2_CreatePrimary.
pub(crate) fn create_primary(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let in_sensitive: Tpm2bSensitiveCreate = ctx.param()?;
    let in_public: Tpm2bPublic = ctx.param()?;
    let outside: Tpm2bData = ctx.param()?;
    let pcrs: TpmlPcrSelection = ctx.param()?;
    ctx.end()?;
    let hierarchy = ctx.handles[0];
    let template: TpmtPublic<true> = in_public.public_area.into();
    check_curve(&template, 2)?;
    if !tpm.has_free_slot() {
        return Err(TpmRc::OBJECT_MEMORY);
    }
    object::create_checks(None, &template, in_sensitive.sensitive.data.len())
        .map_err(|rc| rc.parameter(2))?;
    let create = adjusted(in_sensitive.sensitive, template.name_alg.0)?;
    let (public, sensitive) = tpm.derive_primary(hierarchy, &template, &create)?;
    let name = object::compute_name(&public);
    let name_alg = HashAlg::from_tpm_alg(public.name_alg.0.0).ok_or(TpmRc::FAILURE)?;
    let (creation, creation_hash) =
        tpm.creation_data(hierarchy, name_alg, &pcrs, &outside, ctx.locality)?;
    let ticket = tpm.creation_ticket(hierarchy, &name, &creation_hash);
    let compat = tpm.primary_seed(hierarchy).1;
    let k = finish_loaded(
        public,
        Some(sensitive),
        name,
        ParentRef::Hierarchy(hierarchy),
        false,
        compat,
    );
    write_public(ctx, &k.public);
    ctx.out
        .extend_from_slice(&u16::try_from(creation.len()).unwrap_or(0).to_be_bytes());
    ctx.out.extend_from_slice(&creation);
    ctx.write(&Tpm2bDigest::new(&creation_hash).map_err(|_| TpmRc::FAILURE)?);
    ctx.write(&ticket);
    ctx.write(&Tpm2bName::new(&k.name).map_err(|_| TpmRc::FAILURE)?);
    let h = tpm.load_object(Object::key_object(k))?;
    ctx.rhandle = Some(h);
    Ok(())
}

/// An ECC public area on a curve this engine does not implement is refused as its
/// unmarshalling would refuse it with a profile without the curve: TPM_RC_CURVE for the
/// parameter (libtpms 0.9.2 has P-521 and BN curves; we have NIST P-256 and P-384).
fn check_curve(p: &TpmtPublic<true>, param: u8) -> Result<(), TpmRc> {
    if let Some(e) = p.ecc_parms() {
        if !crate::algorithms::CURVES.contains(&e.curve_id.0.0) {
            return Err(TpmRc::CURVE.parameter(param));
        }
    }
    Ok(())
}

/// A TPM2B_PUBLIC response parameter.
fn write_public(ctx: &mut Ctx<'_>, p: &TpmtPublic<true>) {
    Writer::to_vec(&mut ctx.out).sized_u16(|w| p.marshal(w));
}

/// The parent object of Create/Load: TPM_RC_TYPE for handle 1 unless it is an ordinary
/// parent (libtpms `ObjectIsParent`).
fn parent_of(tpm: &Tpm2, h: TpmHandle) -> Result<&KeyObject, TpmRc> {
    match tpm.key(h) {
        Some(k) if k.has(flag::PARENT) => Ok(k),
        _ => Err(TpmRc::TYPE.handle(1)),
    }
}

/// TPM 2.0 Part 3 §12.1 TPM2_Create.
pub(crate) fn create(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let in_sensitive: Tpm2bSensitiveCreate = ctx.param()?;
    let in_public: Tpm2bPublic = ctx.param()?;
    let outside: Tpm2bData = ctx.param()?;
    let pcrs: TpmlPcrSelection = ctx.param()?;
    ctx.end()?;
    let ph = ctx.handles[0];
    let template: TpmtPublic<true> = in_public.public_area.into();
    check_curve(&template, 2)?;
    parent_of(tpm, ph)?;
    if !tpm.has_free_slot() {
        return Err(TpmRc::OBJECT_MEMORY);
    }
    object::create_checks(
        Some(parent_of(tpm, ph)?),
        &template,
        in_sensitive.sensitive.data.len(),
    )
    .map_err(|rc| rc.parameter(2))?;
    let create = adjusted(in_sensitive.sensitive, template.name_alg.0)?;
    let source = tpm.fresh_source()?;
    let (public, sensitive) = object::create_object(&template, &create, &source)?;
    let name = object::compute_name(&public);
    let name_alg = HashAlg::from_tpm_alg(public.name_alg.0.0).ok_or(TpmRc::FAILURE)?;
    let (creation, creation_hash) =
        tpm.creation_data(ph, name_alg, &pcrs, &outside, ctx.locality)?;
    let hierarchy = tpm.entity_hierarchy(ph);
    let ticket = tpm.creation_ticket(hierarchy, &name, &creation_hash);
    let private = {
        let iv = tpm.protection_iv(ph)?;
        let parent = parent_of(tpm, ph)?;
        object::sensitive_to_private(&sensitive, &name, public.name_alg.0, parent, &iv)?
    };
    ctx.write(&Tpm2bPrivate::new(&private).map_err(|_| TpmRc::FAILURE)?);
    write_public(ctx, &public);
    ctx.out
        .extend_from_slice(&u16::try_from(creation.len()).unwrap_or(0).to_be_bytes());
    ctx.out.extend_from_slice(&creation);
    ctx.write(&Tpm2bDigest::new(&creation_hash).map_err(|_| TpmRc::FAILURE)?);
    ctx.write(&ticket);
    Ok(())
}

impl Tpm2 {
    /// A fresh IV of the block size of `parent`'s symmetric algorithm.
    fn protection_iv(&mut self, parent: TpmHandle) -> Result<Vec<u8>, TpmRc> {
        let n = self
            .key(parent)
            .and_then(|k| k.public.parameters.symmetric())
            .map_or(16, |d| {
                if d.algorithm.0 == TpmAlgId::TDES {
                    8
                } else {
                    16
                }
            });
        let mut iv = vec![0u8; n];
        self.random(&mut iv)?;
        Ok(iv)
    }
}

/// TPM 2.0 Part 3 §12.2 TPM2_Load.
pub(crate) fn load(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let in_private: Tpm2bPrivate = ctx.param()?;
    let in_public: Tpm2bPublic = ctx.param()?;
    ctx.end()?;
    let ph = ctx.handles[0];
    let public: TpmtPublic<true> = in_public.public_area.into();
    check_curve(&public, 2)?;
    if !tpm.has_free_slot() {
        return Err(TpmRc::OBJECT_MEMORY);
    }
    if in_private.is_empty() {
        return Err(TpmRc::SIZE.parameter(1));
    }
    let parent = parent_of(tpm, ph)?;
    let name = object::compute_name(&public);
    if name.is_empty() {
        return Err(TpmRc::HASH.parameter(2));
    }
    let sensitive = object::private_to_sensitive(&in_private, &name, parent, &ctx.profile)
        .map_err(|rc| rc.parameter(1))?;
    // ObjectLoad.
    if sensitive.seed_value.len() > object::digest_size(public.name_alg.0) {
        return Err(TpmRc::KEY_SIZE.parameter(1));
    }
    object::public_attributes_validation(Some(parent), &public).map_err(|rc| rc.parameter(2))?;
    if !parent.attrs().contains(TpmaObject::FIXED_TPM) {
        object::validate_keys(&public, Some(&sensitive), 2, 1)?;
    } else if public.object_type.0 == TpmAlgId::RSA {
        // CryptRsaLoadPrivateExponent still runs for a trusted parent.
        object::validate_keys(&public, Some(&sensitive), 2, 1).map_err(|rc| {
            if rc == TpmRc::BINDING {
                rc
            } else {
                TpmRc::BINDING
            }
        })?;
    }
    let k = finish_loaded(
        public,
        Some(sensitive),
        name,
        ParentRef::Object(parent),
        false,
        parent.seed_compat,
    );
    let name = Tpm2bName::new(&k.name).map_err(|_| TpmRc::FAILURE)?;
    let h = tpm.load_object(Object::key_object(k))?;
    ctx.rhandle = Some(h);
    ctx.write(&name);
    Ok(())
}

/// TPM 2.0 Part 3 §12.3 TPM2_LoadExternal.
pub(crate) fn load_external(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let in_private: Tpm2bSensitive = ctx.param()?;
    let in_public: Tpm2bPublic<true> = ctx.param()?;
    let hierarchy: TpmiRhHierarchy<true> = ctx.param()?;
    ctx.end()?;
    let hierarchy = hierarchy.0;
    check_curve(&in_public.public_area, 2)?;
    if !tpm.has_free_slot() {
        return Err(TpmRc::OBJECT_MEMORY);
    }
    if !tpm.hierarchy_enabled(hierarchy) {
        return Err(TpmRc::HIERARCHY.parameter(3));
    }
    let public = in_public.public_area;
    let sensitive = in_private.sensitive_area;
    if sensitive.is_some() {
        if hierarchy != TpmHandle::NULL {
            return Err(TpmRc::HIERARCHY.parameter(3));
        }
        let a = public.object_attributes;
        if a.intersects(TpmaObject::FIXED_TPM | TpmaObject::FIXED_PARENT | TpmaObject::RESTRICTED) {
            return Err(TpmRc::ATTRIBUTES.parameter(2));
        }
    }
    let name = object::compute_name(&public);
    // ObjectLoad with no parent.
    match &sensitive {
        Some(s) if public.name_alg.0 != TpmAlgId::NULL => {
            if s.seed_value.len() > object::digest_size(public.name_alg.0) {
                return Err(TpmRc::KEY_SIZE.parameter(1));
            }
            object::public_attributes_validation(None, &public).map_err(|rc| rc.parameter(2))?;
        }
        _ => object::scheme_checks(None, &public).map_err(|rc| rc.parameter(2))?,
    }
    object::validate_keys(&public, sensitive.as_ref(), 2, 1)?;
    let k = finish_loaded(
        public,
        sensitive,
        name,
        ParentRef::Hierarchy(hierarchy),
        true,
        0,
    );
    let name = Tpm2bName::new(&k.name).map_err(|_| TpmRc::FAILURE)?;
    let h = tpm.load_object(Object::key_object(k))?;
    ctx.rhandle = Some(h);
    ctx.write(&name);
    Ok(())
}

/// TPM 2.0 Part 3 §12.4 TPM2_ReadPublic: TPM_RC_SEQUENCE for a sequence object.
pub(crate) fn read_public(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let k = tpm.key(ctx.handles[0]).ok_or(TpmRc::SEQUENCE)?;
    let public = k.public.clone();
    let name = Tpm2bName::new(&k.name).map_err(|_| TpmRc::FAILURE)?;
    let qn = Tpm2bName::new(&k.qualified_name).map_err(|_| TpmRc::FAILURE)?;
    write_public(ctx, &public);
    ctx.write(&name);
    ctx.write(&qn);
    Ok(())
}

/// TPM 2.0 Part 3 §12.7 TPM2_Unseal: the data of a sealed-data object.
pub(crate) fn unseal(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    ctx.end()?;
    let k = tpm.key(ctx.handles[0]).ok_or(TpmRc::TYPE.handle(1))?;
    if k.public.object_type.0 != TpmAlgId::KEYEDHASH {
        return Err(TpmRc::TYPE.handle(1));
    }
    if k.attrs()
        .intersects(TpmaObject::DECRYPT | TpmaObject::SIGN | TpmaObject::RESTRICTED)
    {
        return Err(TpmRc::ATTRIBUTES.handle(1));
    }
    let data = match k.sensitive.as_ref().map(|s| &s.sensitive) {
        Some(tpm2_types::TpmuSensitiveComposite::Bits(b)) => b.duplicate(),
        _ => Tpm2bSensitiveData::default(),
    };
    ctx.write(&data);
    Ok(())
}

/// TPM 2.0 Part 3 §12.8 TPM2_ObjectChangeAuth: a new private area with `newAuth`; the
/// loaded object keeps its old authValue.
pub(crate) fn object_change_auth(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let new_auth: Tpm2bAuth = ctx.param()?;
    ctx.end()?;
    let (oh, ph) = (ctx.handles[0], ctx.handles[1]);
    let k = tpm.key(oh).ok_or(TpmRc::TYPE.handle(1))?;
    let name_alg = k.public.name_alg.0;
    let auth = Zeroizing::new(
        object::adjust_auth(new_auth.expose(), name_alg).ok_or(TpmRc::SIZE.parameter(1))?,
    );
    let parent_qn = match ph.handle_type() {
        TpmHt::PERMANENT => ph.0.to_be_bytes().to_vec(),
        _ => match tpm.key(ph) {
            Some(p) if p.public.name_alg.0 != TpmAlgId::NULL => p.qualified_name.clone(),
            _ => Vec::new(),
        },
    };
    let qn = object::qualified_name(&parent_qn, name_alg, &k.name);
    if !tpm_crypto::secret::ct_eq(&qn, &k.qualified_name) {
        return Err(TpmRc::TYPE.handle(2));
    }
    let mut sensitive = k
        .sensitive
        .as_ref()
        .map(tpm2_types::TpmtSensitive::duplicate)
        .ok_or(TpmRc::TYPE.handle(1))?;
    sensitive.auth_value = Tpm2bAuth::new(&auth).map_err(|_| TpmRc::SIZE.parameter(1))?;
    let name = k.name.clone();
    let private = if tpm.key(ph).is_some() {
        let iv = tpm.protection_iv(ph)?;
        let parent = tpm.key(ph).ok_or(TpmRc::FAILURE)?;
        object::sensitive_to_private(&sensitive, &name, name_alg, parent, &iv)?
    } else {
        // A primary: libtpms protects with the context algorithm and nullProof.
        let mut iv = vec![0u8; 16];
        tpm.random(&mut iv)?;
        let null_proof = tpm.reset.null_proof.to_vec();
        object::sensitive_to_private_with(&sensitive, &name, name_alg, &null_proof, &iv)?
    };
    ctx.write(&Tpm2bPrivate::new(&private).map_err(|_| TpmRc::FAILURE)?);
    Ok(())
}

/// TPM 2.0 Part 3 §12.9 TPM2_CreateLoaded: a primary under a hierarchy, an ordinary object
/// under a storage parent, or a derived object under a derivation parent (a restricted
/// decryption KEYEDHASH key: the key comes from KDFa keyed with the parent's secret, the label
/// and context of TPMS_DERIVE; no private area is returned).
pub(crate) fn create_loaded(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let in_sensitive: Tpm2bSensitiveCreate = ctx.param()?;
    let in_template: Tpm2bTemplate = ctx.param()?;
    ctx.end()?;
    let ph = ctx.handles[0];
    let is_hierarchy = ph.handle_type() == TpmHt::PERMANENT;
    let derivation = !is_hierarchy && tpm.key(ph).is_some_and(|k| k.has(flag::DERIVATION));
    if !is_hierarchy && !derivation {
        match tpm.key(ph) {
            Some(k) if k.has(flag::PARENT) => {}
            _ => return Err(TpmRc::TYPE.handle(1)),
        }
    }
    if !tpm.has_free_slot() {
        return Err(TpmRc::OBJECT_MEMORY);
    }
    let (template, derive): (TpmtPublic<true>, Option<tpm2_types::TpmsDerive>) = if derivation {
        let (t, d) = in_template
            .derivation_public(&ctx.profile)
            .map_err(|e| TpmRc::from(e).parameter(2))?;
        (t.into(), Some(d))
    } else {
        let t = in_template
            .public::<false>(&ctx.profile)
            .map_err(|e| TpmRc::from(e).parameter(2))?;
        (t.into(), None)
    };
    check_curve(&template, 2)?;
    let create = adjusted(in_sensitive.sensitive, template.name_alg.0)?;
    let (public, sensitive) = if let Some(mut derive) = derive {
        derive_object(tpm, ph, &template, &create, &mut derive)?
    } else {
        let parent = if is_hierarchy { None } else { tpm.key(ph) };
        object::create_checks(parent, &template, create.data.len())
            .map_err(|rc| rc.parameter(2))?;
        if is_hierarchy {
            tpm.derive_primary(ph, &template, &create)?
        } else {
            let source = tpm.fresh_source()?;
            object::create_object(&template, &create, &source)?
        }
    };
    let name = object::compute_name(&public);
    let private = if is_hierarchy || derivation {
        Vec::new()
    } else {
        let iv = tpm.protection_iv(ph)?;
        let parent = tpm.key(ph).ok_or(TpmRc::FAILURE)?;
        object::sensitive_to_private(&sensitive, &name, public.name_alg.0, parent, &iv)?
    };
    let k = if is_hierarchy {
        let compat = tpm.primary_seed(ph).1;
        finish_loaded(
            public,
            Some(sensitive),
            name,
            ParentRef::Hierarchy(ph),
            false,
            compat,
        )
    } else {
        let parent = tpm.key(ph).ok_or(TpmRc::FAILURE)?;
        finish_loaded(
            public,
            Some(sensitive),
            name,
            ParentRef::Object(parent),
            false,
            parent.seed_compat,
        )
    };
    ctx.write(&Tpm2bPrivate::new(&private).map_err(|_| TpmRc::FAILURE)?);
    write_public(ctx, &k.public);
    ctx.write(&Tpm2bName::new(&k.name).map_err(|_| TpmRc::FAILURE)?);
    let h = tpm.load_object(Object::key_object(k))?;
    ctx.rhandle = Some(h);
    Ok(())
}

/// The derivation branch of TPM2_CreateLoaded (libtpms order: no RSA, sensitiveDataOrigin
/// clear, PublicAttributesValidation, SetLabelAndContext, then `CryptCreateObject` drawing
/// from the parent's KDF_STATE).
fn derive_object(
    tpm: &Tpm2,
    ph: TpmHandle,
    template: &TpmtPublic<true>,
    create: &TpmsSensitiveCreate,
    derive: &mut tpm2_types::TpmsDerive,
) -> Result<(TpmtPublic<true>, tpm2_types::TpmtSensitive), TpmRc> {
    use tpm2_types::{TpmuPublicParms, TpmuSchemeKeyedhash, TpmuSensitiveComposite};
    let parent = tpm.key(ph).ok_or(TpmRc::FAILURE)?;
    if template.object_type.0 == TpmAlgId::RSA {
        return Err(TpmRc::TYPE.parameter(2));
    }
    let a = template.object_attributes;
    if a.contains(TpmaObject::SENSITIVE_DATA_ORIGIN) {
        return Err(TpmRc::ATTRIBUTES);
    }
    object::public_attributes_validation(Some(parent), template).map_err(|rc| rc.parameter(2))?;
    // SetLabelAndContext: the label and context of the template win over those in the
    // sensitive data.
    if !create.data.is_empty() {
        let d: tpm2_types::TpmsDerive =
            tpm_wire::from_bytes(create.data.expose(), &ctx_profile()).map_err(TpmRc::from)?;
        if derive.label.is_empty() {
            derive.label = d.label;
        }
        if derive.context.is_empty() {
            derive.context = d.context;
        }
    }
    let kdf_hash = match &parent.public.parameters {
        TpmuPublicParms::KeyedHash(k) => match k.scheme.details {
            TpmuSchemeKeyedhash::Xor(x) => HashAlg::from_tpm_alg(x.hash_alg.0.0),
            _ => None,
        },
        _ => None,
    }
    .ok_or(TpmRc::FAILURE)?;
    let parent_key: &[u8] = match parent.sensitive.as_ref().map(|s| &s.sensitive) {
        Some(TpmuSensitiveComposite::Bits(b)) => b.expose(),
        _ => return Err(TpmRc::FAILURE),
    };
    let mut rng = tpm_crypto::primary::derivation_stream(
        kdf_hash,
        parent_key,
        derive.label.as_slice(),
        derive.context.as_slice(),
    );
    // The caller's data only named label and context: the key comes from the stream.
    let create = TpmsSensitiveCreate {
        user_auth: create.user_auth.duplicate(),
        data: tpm2_types::Tpm2bSensitiveData::default(),
    };
    object::create_object_with(template, &create, &mut rng)
}

/// The profile handlers unmarshal with (the dispatcher's).
fn ctx_profile() -> tpm_wire::Profile {
    crate::exec::LIBTPMS_PROFILE
}

/// TPM 2.0 Part 3 §28.5 TPM2_EvictControl (libtpms order of checks).
pub(crate) fn evict_control(tpm: &mut Tpm2, ctx: &mut Ctx<'_>) -> Result<(), TpmRc> {
    let persistent: TpmiDhPersistent = ctx.param()?;
    ctx.end()?;
    let (auth, oh) = (ctx.handles[0], ctx.handles[1]);
    let persistent = persistent.0;
    let evict_of = tpm.evict_handle_of(oh);
    let k = tpm.key(oh).ok_or(TpmRc::ATTRIBUTES.handle(2))?;
    if k.has(flag::TEMPORARY) || k.has(flag::ST_CLEAR) || k.has(flag::PUBLIC_ONLY) {
        return Err(TpmRc::ATTRIBUTES.handle(2));
    }
    if let Some(eh) = evict_of {
        if eh != persistent {
            return Err(TpmRc::HANDLE.handle(2));
        }
    }
    let platform_object = k.hierarchy == TpmHandle::PLATFORM;
    match auth {
        TpmHandle::PLATFORM => {
            if evict_of.is_none() {
                if !platform_object {
                    return Err(TpmRc::HIERARCHY.handle(2));
                }
                if !PLATFORM_PERSISTENT.contains(&persistent.0) {
                    return Err(TpmRc::RANGE.parameter(1));
                }
            }
        }
        TpmHandle::OWNER => {
            if platform_object {
                return Err(TpmRc::HIERARCHY.handle(2));
            }
            if evict_of.is_none() && !OWNER_PERSISTENT.contains(&persistent.0) {
                return Err(TpmRc::RANGE.parameter(1));
            }
        }
        _ => return Err(tpm.fail("EvictControl with an unknown authorization")),
    }
    match evict_of {
        None => {
            // NvAddEvictObject.
            if tpm.perm.evict.iter().any(|(h, _)| *h == persistent.0) {
                return Err(TpmRc::NV_DEFINED);
            }
            if tpm.perm.evict.len() >= MAX_EVICT_OBJECTS {
                return Err(TpmRc::NV_SPACE);
            }
            let mut copy = k.duplicate();
            copy.flags &= !flag::EVICT;
            let mut bytes = Zeroizing::new(Vec::with_capacity(512));
            object::encode(&copy, &mut bytes);
            let pos = tpm
                .perm
                .evict
                .iter()
                .position(|(h, _)| *h > persistent.0)
                .unwrap_or(tpm.perm.evict.len());
            tpm.perm.evict.insert(pos, (persistent.0, bytes));
        }
        Some(eh) => {
            tpm.perm.evict.retain(|(h, _)| *h != eh.0);
        }
    }
    tpm.mark_permanent_dirty();
    Ok(())
}

/// An object's place in a context blob: savedHandle 0x80000000 (object), 0x80000001
/// (sequence), 0x80000002 (stClear object), as libtpms `TPM2_ContextSave`.
pub(crate) fn saved_handle(o: &Object) -> u32 {
    match &o.kind {
        ObjKind::Seq(_) => 0x8000_0001,
        ObjKind::Key(k) if k.has(flag::ST_CLEAR) => 0x8000_0002,
        ObjKind::Key(_) => 0x8000_0000,
    }
}
