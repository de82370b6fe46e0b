//! TLS to PostgreSQL, so that a province can keep its database on another
//! host. The URL's `sslmode` says how, as libpq reads it: `disable` (no
//! TLS), `prefer` (the default: TLS when the server offers it), `require`
//! (TLS or nothing, the certificate not checked), `verify-ca` (signed by
//! a trusted authority) and `verify-full` (that, and issued for the host
//! named in the URL). `sslrootcert=PATH` names the authorities to trust
//! (PEM); without it, the system's. The PostgreSQL client understands only
//! the first three modes, so the last two reach it as `require` and the
//! checks are made here, in rustls.

use crate::CentralError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Encrypted, but anyone may answer (libpq's `prefer` and `require`).
    Nothing,
    /// Signed by a trusted authority, for any name (`verify-ca`).
    Authority,
    /// Signed by a trusted authority for the host named (`verify-full`).
    Full,
}

/// The URL as the PostgreSQL client takes it, and the TLS connector that
/// carries out its `sslmode`.
pub(crate) fn link(url: &str) -> Result<(String, MakeRustlsConnect), CentralError> {
    let (client_url, check, root) = split(url)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let authorities = match check {
        Check::Nothing => None,
        Check::Authority | Check::Full => Some(
            WebPkiServerVerifier::builder_with_provider(roots(root.as_deref())?, provider.clone())
                .build()
                .map_err(|e| tls_error(format!("trusted authorities: {e}")))?,
        ),
    };
    let verifier = Arc::new(Verifier {
        check,
        authorities,
        provider: provider.clone(),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((client_url, MakeRustlsConnect::new(config)))
}

fn tls_error(what: String) -> CentralError {
    CentralError::Backend(format!("PostgreSQL TLS: {what}"))
}

/// The URL without what only this module reads (`sslrootcert`, and
/// `sslmode=verify-*` turned into `require`), the check its mode asks for,
/// and the authorities' file.
fn split(url: &str) -> Result<(String, Check, Option<String>), CentralError> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut check = Check::Nothing;
    let mut root = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (name, value) {
            ("sslrootcert", path) => root = Some(percent_decode(path)),
            ("sslmode", "verify-ca") => {
                check = Check::Authority;
                kept.push("sslmode=require".to_string());
            }
            ("sslmode", "verify-full") => {
                check = Check::Full;
                kept.push("sslmode=require".to_string());
            }
            _ => kept.push(pair.to_string()),
        }
    }
    if root.is_some() && check == Check::Nothing {
        return Err(tls_error(
            "sslrootcert is only read with sslmode=verify-ca or verify-full".into(),
        ));
    }
    let client_url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((client_url, check, root))
}

/// `%XX` escapes of a URL parameter (a path may hold spaces).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The authorities in `path` (PEM), or the system's.
fn roots(path: Option<&str>) -> Result<Arc<RootCertStore>, CentralError> {
    let mut store = RootCertStore::empty();
    match path {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| tls_error(format!("reading sslrootcert {path}: {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| tls_error(format!("sslrootcert {path}: {e}")))?;
                store
                    .add(cert)
                    .map_err(|e| tls_error(format!("sslrootcert {path}: {e}")))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                // One unreadable system certificate is no reason to stop.
                let _ = store.add(cert);
            }
        }
    }
    if store.is_empty() {
        return Err(tls_error(
            "no trusted authority to check the server against".into(),
        ));
    }
    Ok(Arc::new(store))
}

/// The certificate checked as `check` says (nothing, the authority, or the
/// authority and the name); the handshake's signatures always.
#[derive(Debug)]
struct Verifier {
    check: Check,
    /// The trusted authorities' verifier (`verify-ca`, `verify-full`).
    authorities: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(authorities) = &self.authorities else {
            return Ok(ServerCertVerified::assertion());
        };
        match authorities.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.check == Check::Authority => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_modes_reach_the_client_as_require_and_the_root_is_taken_out() {
        let (url, check, root) =
            split("postgres://u:p@db:5432/g?sslmode=verify-full&sslrootcert=/etc/ca%20x.pem&options=-csearch_path%3Ds")
                .unwrap();
        assert_eq!(
            url,
            "postgres://u:p@db:5432/g?sslmode=require&options=-csearch_path%3Ds"
        );
        assert_eq!(check, Check::Full);
        assert_eq!(root.as_deref(), Some("/etc/ca x.pem"));
        let (url, check, _) = split("postgres://u@db/g?sslmode=verify-ca").unwrap();
        assert_eq!(
            (url.as_str(), check),
            ("postgres://u@db/g?sslmode=require", Check::Authority)
        );
        let (url, check, _) = split("postgres://u@db/g").unwrap();
        assert_eq!((url.as_str(), check), ("postgres://u@db/g", Check::Nothing));
        assert!(split("postgres://u@db/g?sslmode=require&sslrootcert=/x").is_err());
    }
}
