//! Certificate pinning. The commune server uses a self-signed certificate;
//! devices learn its SHA-256 fingerprint at enrollment (from the QR code, or
//! on first contact) and from then on talk only to that certificate. There is
//! no CA to trust, so the usual chain check is replaced by an exact match on
//! the certificate, while the TLS handshake signatures are still verified.

use rustls::DigitallySignedStruct;
use rustls::SignatureScheme;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::{Arc, Mutex};

pub use gocua_wire::cert_fingerprint as fingerprint;

/// Which server certificate to accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// Only the certificate with this fingerprint.
    Fingerprint(String),
    /// Any certificate, recording which one was seen (enrollment without a
    /// fingerprint in hand: trust on first use, then pin).
    FirstUse,
}

/// The crypto provider used on both ends (ring: builds without cmake).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[derive(Debug)]
struct PinnedVerifier {
    pin: Pin,
    seen: Arc<Mutex<Option<String>>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fp = fingerprint(end_entity.as_ref());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(fp.clone());
        }
        match &self.pin {
            Pin::FirstUse => Ok(ServerCertVerified::assertion()),
            Pin::Fingerprint(expected) if expected.eq_ignore_ascii_case(&fp) => {
                Ok(ServerCertVerified::assertion())
            }
            Pin::Fingerprint(_) => Err(rustls::Error::General(
                "server certificate does not match the pinned fingerprint".into(),
            )),
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

/// Holds the fingerprint of the last server certificate seen.
pub type SeenFingerprint = Arc<Mutex<Option<String>>>;

/// A TLS client configuration that accepts only the pinned certificate.
/// The returned cell holds the fingerprint of the last certificate seen.
pub fn pinned_client_config(
    pin: Pin,
) -> Result<(rustls::ClientConfig, SeenFingerprint), rustls::Error> {
    let provider = provider();
    let seen = Arc::new(Mutex::new(None));
    let verifier = PinnedVerifier {
        pin,
        seen: seen.clone(),
        provider: provider.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok((config, seen))
}

/// A blocking HTTP client that talks only to the pinned server.
pub fn pinned_http_client(
    pin: Pin,
    timeout: std::time::Duration,
) -> Result<(reqwest::blocking::Client, SeenFingerprint), PinError> {
    let (config, seen) = pinned_client_config(pin)?;
    let client = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()?;
    Ok((client, seen))
}

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
    #[error("HTTP client setup failed: {0}")]
    Http(#[from] reqwest::Error),
}
