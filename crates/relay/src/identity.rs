//! Who may be a relay (a team leader's enrolled device) and the relay's own
//! certificate: self-signed, made once with rcgen, kept (DER) in the
//! leader's encrypted store, so members pin the same fingerprint for as
//! long as the store lives.

use crate::RelayError;
use gocua_core::{MemberId, Role, TeamId};
use gocua_device::{RelayIdentity, Store};

/// The leader and the team this device relays for; refused (in
/// Vietnamese) unless the store is enrolled for a team leader.
pub fn leader_team(store: &Store) -> Result<(MemberId, TeamId), RelayError> {
    let enrollment = store.enrollment()?.ok_or_else(RelayError::not_a_leader)?;
    let member = store
        .member(enrollment.member_id)
        .map_err(|_| RelayError::not_a_leader())?;
    match (member.role, member.team_id) {
        (Role::TeamLeader, Some(team)) => Ok((member.id, team)),
        _ => Err(RelayError::not_a_leader()),
    }
}

/// The relay's certificate, made now if this leader's device has none.
pub fn ensure_identity(store: &mut Store) -> Result<RelayIdentity, RelayError> {
    leader_team(store)?;
    if let Some(id) = store.relay_identity()? {
        return Ok(id);
    }
    let names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    let tls = |e: rcgen::Error| RelayError::Tls(e.to_string());
    let mut params = rcgen::CertificateParams::new(names).map_err(tls)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Gõ Cửa team relay");
    let key = rcgen::KeyPair::generate().map_err(tls)?;
    let cert = params.self_signed(&key).map_err(tls)?;
    let der = cert.der().to_vec();
    let fingerprint = gocua_wire::cert_fingerprint(&der);
    Ok(store.keep_relay_identity(&der, &key.serialize_der(), &fingerprint)?)
}

/// The TLS configuration serving the relay's certificate.
pub(crate) fn server_config(id: &RelayIdentity) -> Result<rustls::ServerConfig, RelayError> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cert = CertificateDer::from(id.cert_der.clone());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone()));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| RelayError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| RelayError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
